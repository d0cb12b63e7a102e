"""Accounts of one engine: what they share, and one slow task never holds up the others."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from mjproxy.domain.task import TaskAction, TaskStatus, TaskUpdate
from tests.discord.sandbox_env import Env, sandbox_env


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with sandbox_env() as created:
        yield created


async def test_a_stalled_write_for_one_task_does_not_hold_up_anothers_result(env: Env) -> None:
    await env.engine.aclose()
    stalled: set[str] = set()
    release = asyncio.Event()
    report = env.services.on_update

    async def slow_for_stalled(update: TaskUpdate) -> None:
        if update.task_id in stalled:
            await release.wait()
        await report(update)

    env.services.on_update = slow_for_stalled  # type: ignore[method-assign]
    env.engine = env.new_engine()
    await env.engine.open_account(env.account)
    env.sandbox.set_speed(20)  # about a second per job: both run side by side
    first = await env.submit(TaskAction.IMAGINE, prompt="a stalled cat")
    stalled.add(first)
    second = await env.submit(TaskAction.IMAGINE, prompt="a quick dog")
    await env.services.wait_for(lambda: env.services.done(second), timeout_s=20)
    assert env.services.tasks[second].status is TaskStatus.SUCCESS
    assert not env.services.done(first)
    release.set()
    await env.services.wait_for(lambda: env.services.done(first), timeout_s=20)
    assert env.services.tasks[first].status is TaskStatus.SUCCESS


async def test_every_account_of_an_engine_shares_one_tls_context(env: Env) -> None:
    # Each context holds its own copy of the CA certificates (~0.7 MiB): per account, a
    # thousand accounts cost most of a GiB (bench/scale.py).
    other = dataclasses.replace(env.account, id="sbx-2")
    await env.engine.open_account(other)
    first, second = env.engine.runtime(env.account.id).rest, env.engine.runtime("sbx-2").rest
    assert first.ssl_context is second.ssl_context
    pool = first._client._transport._pool  # type: ignore[attr-defined]
    assert pool._ssl_context is first.ssl_context  # the client really connects with it
