"""Faults injected by the sandbox: every task still reaches the right terminal state once."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mjproxy.domain.account import AccountState
from mjproxy.domain.task import Task, TaskAction, TaskStatus
from mjproxy.engines.base import Job
from mjproxy.engines.discord.engine import DiscordEngine
from mjproxy.sandbox.transcript import EntryKind
from tests.discord.sandbox_env import Env, png, sandbox_env, settings_for


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with sandbox_env(speed=40) as created:
        yield created


async def in_progress(env: Env, prompt: str = "a red cat") -> str:
    task_id = await env.submit(TaskAction.IMAGINE, prompt=prompt)
    await env.services.wait_for(lambda: env.services.tasks[task_id].progress >= 15, timeout_s=30)
    return task_id


async def finished(env: Env, task_id: str) -> TaskStatus:
    await env.services.wait_for(lambda: env.services.done(task_id), timeout_s=40)
    statuses = env.services.statuses[task_id]
    assert sum(s.is_terminal for s in statuses) == 1, statuses
    return env.services.tasks[task_id].status


async def test_socket_dropped_mid_task(env: Env) -> None:
    task_id = await in_progress(env)
    env.sandbox.faults.drop(env.session_id)
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    assert env.engine.runtime("sbx").supervisor.connections >= 2


async def test_reconnect_request_mid_task(env: Env) -> None:
    task_id = await in_progress(env)
    session = env.session_id
    env.sandbox.faults.reconnect(session)
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    assert env.session_id == session  # resumed, not a new session


@pytest.mark.parametrize("resumable", [True, False])
async def test_invalid_session_mid_task(env: Env, resumable: bool) -> None:
    task_id = await in_progress(env)
    session = env.session_id
    env.sandbox.faults.invalid_session(session, resumable=resumable)
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    assert (env.session_id == session) is resumable


async def test_heartbeat_acks_stopped_mid_task(env: Env) -> None:
    task_id = await in_progress(env)
    session = env.session_id
    env.sandbox.faults.hold_events("MESSAGE_CREATE")  # keep the result back until resumed
    env.sandbox.faults.hold_events("MESSAGE_DELETE")
    env.sandbox.faults.stop_heartbeat_acks(session)
    await env.sandbox.wait_for(lambda e: e.kind == EntryKind.WS_RECV and e.op == 6, timeout_s=20)
    env.sandbox.faults.resume_heartbeat_acks(session)
    env.sandbox.faults.release_events()
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    outcome = env.engine.runtime("sbx").supervisor.last_outcome
    assert outcome is not None
    assert "ACK" in outcome.reason


async def test_rate_limit_burst_on_interactions(env: Env) -> None:
    env.sandbox.faults.rate_limit("/interactions", count=3, retry_after_s=0.05)
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    assert task.status is TaskStatus.SUCCESS, task.fail_reason


async def test_global_rate_limit_pauses_then_succeeds(env: Env) -> None:
    env.sandbox.faults.rate_limit("/interactions", count=1, retry_after_s=0.05, is_global=True)
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    assert task.status is TaskStatus.SUCCESS, task.fail_reason


async def test_stale_command_version_is_refreshed_once(env: Env) -> None:
    assert (await env.run(TaskAction.IMAGINE, prompt="one")).status is TaskStatus.SUCCESS
    env.sandbox.rotate_commands("imagine")
    assert (await env.run(TaskAction.IMAGINE, prompt="two")).status is TaskStatus.SUCCESS
    assert env.engine.runtime("sbx").commands.loads == 2


async def test_success_before_message_and_start_without_nonce(env: Env) -> None:
    env.sandbox.switches.update(success_before_message=True, button_start_nonce=False)
    parent = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    child = await env.run(
        TaskAction.VARIATION,
        parent=parent,
        custom_id=f"MJ::JOB::variation::2::{parent.message_hash}",
    )
    assert child.status is TaskStatus.SUCCESS, child.fail_reason


async def test_held_interaction_events_do_not_matter(env: Env) -> None:
    env.sandbox.faults.hold_events("INTERACTION_SUCCESS")
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    env.sandbox.faults.release_events()
    assert task.status is TaskStatus.SUCCESS


async def test_two_identical_prompts_land_on_their_own_tasks(env: Env) -> None:
    first = await env.submit(TaskAction.IMAGINE, prompt="the same cat")
    second = await env.submit(TaskAction.IMAGINE, prompt="the same cat")
    assert await finished(env, first) is TaskStatus.SUCCESS
    assert await finished(env, second) is TaskStatus.SUCCESS
    hashes = {env.services.tasks[first].message_hash, env.services.tasks[second].message_hash}
    assert len(hashes) == 2


async def test_restart_mid_task_reattaches_and_finishes(env: Env) -> None:
    task_id = await in_progress(env)
    await env.engine.aclose()
    env.engine = env.new_engine()
    await env.engine.open_account(env.account)
    await env.engine.resume(Job(task=env.services.tasks[task_id], account=env.account))
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    assert env.services.tasks[task_id].image_url is not None


def as_persisted_before_the_send(task: Task) -> Task:
    """The task as the store holds it between recording its nonce and Discord's answer."""
    keys = ("channel_id", "application_id", "prompt", "nonces", "submitted_ms")
    state = {key: task.engine_state[key] for key in keys}
    return dataclasses.replace(task, status=TaskStatus.SUBMITTED, progress=0, engine_state=state)


def jobs_for(env: Env, prompt: str) -> int:
    return sum(job.prompt.startswith(prompt) for job in env.sandbox.jobs.all())


async def restarted(env: Env, task: Task) -> None:
    """A new engine (a restarted server) resumes `task` from its stored state."""
    await env.engine.aclose()
    env.services.tasks[task.id] = task
    env.engine = env.new_engine()
    await env.engine.open_account(env.account)
    await env.engine.resume(Job(task=task, account=env.account))


async def test_a_task_recorded_but_never_sent_is_sent_on_resume(env: Env) -> None:
    sent = await in_progress(env, "a first cat")  # a task that really went out, for its keys
    stored = as_persisted_before_the_send(env.services.tasks[sent])
    lone = dataclasses.replace(
        stored,
        id="999",
        prompt="a lone cat",
        engine_state={**stored.engine_state, "nonces": ["1300000000000000001"]},
    )
    env.services.tasks[sent] = dataclasses.replace(
        env.services.tasks[sent], status=TaskStatus.CANCEL
    )
    await restarted(env, lone)
    assert await finished(env, "999") is TaskStatus.SUCCESS
    assert jobs_for(env, "a lone cat") == 1


async def test_a_task_sent_just_before_a_restart_is_not_sent_twice(env: Env) -> None:
    # The bot answers a second after the send: the restarted engine finds nothing in the
    # history and sends again, with the same nonce, which Discord ignores.
    env.sandbox.config.timings.response_s = 1.0 * env.sandbox.clock.speed
    task_id = await env.submit(TaskAction.IMAGINE, prompt="a twice cat")
    stored = as_persisted_before_the_send(env.services.tasks[task_id])
    await restarted(env, stored)
    assert await finished(env, task_id) is TaskStatus.SUCCESS, env.services.tasks[
        task_id
    ].fail_reason
    assert jobs_for(env, "a twice cat") == 1


async def test_a_result_buried_under_pages_of_history_is_found_after_a_restart(
    env: Env,
) -> None:
    since = env.sandbox.transcript.next_index
    task_id = await in_progress(env, "a buried cat")
    stored = env.services.tasks[task_id]
    await env.engine.aclose()  # the result arrives with nobody listening
    await env.sandbox.wait_for_job(kind="imagine", since=since, timeout_s=20)
    env.engine = env.new_engine()
    await env.engine.open_account(env.account)
    for number in range(5):  # then newer messages bury it
        assert (await env.run(TaskAction.IMAGINE, prompt=f"cat {number}")).status.is_terminal
    await env.engine.aclose()
    env.engine = DiscordEngine(
        settings=dataclasses.replace(settings_for(env.sandbox), history_limit=2),
        sinks=env.services.sinks,
    )
    await env.engine.open_account(env.account)
    await env.engine.resume(Job(task=stored, account=env.account))
    assert await finished(env, task_id) is TaskStatus.SUCCESS


async def test_bad_token_close_disables_the_account_and_fails_its_tasks(env: Env) -> None:
    task_id = await in_progress(env)
    env.sandbox.faults.close(env.session_id, 4004)
    assert await finished(env, task_id) is TaskStatus.FAILURE
    assert "4004" in (env.services.tasks[task_id].fail_reason or "")
    disabled = [e for e in env.services.accounts if e.state is AccountState.DISABLED]
    assert disabled
    assert env.account.user_token.reveal() not in (disabled[0].reason or "")


async def test_moderated_mid_job_fails_after_the_grace(env: Env) -> None:
    env.sandbox.arm(env.member, "moderated")
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    assert task.status is TaskStatus.FAILURE
    assert "deleted" in (task.fail_reason or "")


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("sbx-banned", "Banned prompt detected"),
        ("sbx-invalid", "Invalid parameter"),
        ("sbx-queue-full", "Queue full"),
        ("sbx-fail", "Failed"),
        ("sbx-output-filter", "output filters"),
    ],
)
async def test_midjourney_errors_name_the_reason(env: Env, word: str, reason: str) -> None:
    task = await env.run(TaskAction.IMAGINE, prompt=f"a cat {word}")
    assert task.status is TaskStatus.FAILURE
    assert reason in (task.fail_reason or "")


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("sbx-action-needed", AccountState.QUARANTINED),
        ("sbx-captcha", AccountState.QUARANTINED),
        ("sbx-pending-mod", AccountState.QUARANTINED),
        ("sbx-blocked", AccountState.DISABLED),
        ("sbx-subscription", AccountState.DISABLED),
    ],
)
async def test_account_signals(env: Env, word: str, state: AccountState) -> None:
    task = await env.run(TaskAction.IMAGINE, prompt=f"a cat {word}")
    assert task.status is TaskStatus.FAILURE
    assert task.fail_reason
    assert any(e.state is state and e.reason for e in env.services.accounts)


async def test_credits_exhausted_marks_fast_time(env: Env) -> None:
    task = await env.run(TaskAction.IMAGINE, prompt="a cat sbx-credits")
    assert task.status is TaskStatus.FAILURE
    assert "Credits exhausted" in (task.fail_reason or "")
    assert any(e.facts is not None and e.facts.fast_exhausted for e in env.services.accounts)


async def test_stopped_mid_job(env: Env) -> None:
    env.sandbox.arm(env.member, "stopped")
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    assert task.status is TaskStatus.FAILURE
    assert "Stopped" in (task.fail_reason or "")


@pytest.mark.parametrize(
    ("form", "action", "button", "extra"),
    [
        ("INTERACTION_MODAL_CREATE", TaskAction.CUSTOM_ZOOM, "MJ::CustomZoom::{hash}",
         {"modal_prompt": "a red cat --zoom 1.8"}),
        ("INTERACTION_IFRAME_MODAL_CREATE", TaskAction.INPAINT, "MJ::Inpaint::1::{hash}::SOLO",
         {"modal_prompt": "a blue hat", "mask": png("white")}),
    ],
    ids=["modal", "iframe"],
)  # fmt: skip
async def test_a_form_sent_to_an_ended_session_is_asked_for_again(
    env: Env, form: str, action: TaskAction, button: str, extra: dict[str, Any]
) -> None:
    parent = await env.run(
        TaskAction.UPSCALE,
        parent=await env.run(TaskAction.IMAGINE, prompt="a red cat"),
        custom_id="MJ::JOB::upsample::1::x",
    )
    session = env.session_id
    # Midjourney's form is on its way to this session …
    env.sandbox.faults.hold_events(form, count=1)
    task_id = await env.submit(
        action, parent=parent, custom_id=button.format(hash=parent.message_hash), **extra
    )
    for _poll in range(200):
        if env.sandbox.faults.held_events() == [form]:
            break
        await asyncio.sleep(0.05)
    assert env.sandbox.faults.held_events() == [form]
    env.sandbox.faults.invalid_session(session, resumable=False)  # … which then ends
    await env.services.wait_for(lambda: env.session_id not in ("", session), timeout_s=20)
    assert env.sandbox.faults.release_events() == 1  # delivered to nobody
    assert await finished(env, task_id) is TaskStatus.SUCCESS
    jobs = env.sandbox.jobs.of_user(env.member.user_id)
    assert [j.prompt for j in jobs].count(extra["modal_prompt"]) == 1  # one form, one job
