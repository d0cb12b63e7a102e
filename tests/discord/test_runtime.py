"""The Discord engine end to end against a tiny scripted Discord on 127.0.0.1.

These prove the wiring (gateway ↔ runtime ↔ REST ↔ router ↔ sinks); the full behaviour
suites run against `mjproxy.sandbox`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from mjproxy.domain.account import Account, AccountState, Secret
from mjproxy.domain.custom_ids import parse_custom_id
from mjproxy.domain.task import Task, TaskAction, TaskStatus
from mjproxy.engines.base import EngineSinks, Job
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.engine import DiscordEngine
from mjproxy.engines.discord.gateway import GatewayOptions
from mjproxy.engines.discord.settings import DiscordSettings
from tests.discord.fake_gateway import FakeGateway
from tests.discord.mini_discord import CHANNEL, GUILD, MiniDiscord
from tests.discord.task_sink import Services

ACCOUNT = Account(
    id="acc", channel_id=CHANNEL, guild_id=GUILD, user_token=Secret("good-token"), user_agent="ua"
)


@dataclass
class World:
    gateway: FakeGateway
    discord: MiniDiscord
    services: Services
    engine: DiscordEngine

    def new_engine(self) -> DiscordEngine:
        settings = DiscordSettings(
            endpoints=DiscordEndpoints(api=self.discord.api, gateway=self.gateway.url),
            gateway=GatewayOptions(ready_timeout_s=5),
            ready_timeout_s=5,
            backoff_base_s=0.01,
        )
        sinks = EngineSinks(updates=self.services.on_update, accounts=self.services.on_account)
        return DiscordEngine(settings=settings, sinks=sinks)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with FakeGateway() as gateway:
        discord = MiniDiscord(gateway)
        await discord.start()
        services = Services()
        world = World(gateway, discord, services, engine=None)  # type: ignore[arg-type]
        world.engine = world.new_engine()
        await world.engine.open_account(ACCOUNT)
        try:
            yield world
        finally:
            await world.engine.aclose()
            await discord.stop()


async def imagine(world: World, task_id: str, prompt: str) -> Task:
    task = world.services.new_task(task_id, TaskAction.IMAGINE, prompt)
    await world.engine.start(Job(task=task, account=ACCOUNT))
    await world.services.wait_for(lambda: world.services.done(task_id))
    return world.services.tasks[task_id]


async def test_imagine_goes_submitted_in_progress_success(world: World) -> None:
    task = await imagine(world, "1", "a red cat")
    # Progress updates waiting behind one another may be merged (lanes.py): compare the
    # statuses the task went through, not how many updates carried each.
    statuses = world.services.statuses["1"]
    assert [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s] == [
        TaskStatus.SUBMITTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.SUCCESS,
    ]
    assert task.status is TaskStatus.SUCCESS
    assert task.image_url is not None
    assert task.message_hash is not None
    assert task.image_url.endswith(f"bob_{task.message_hash}.png")
    assert task.final_prompt == "a red cat"
    assert [b.label for b in task.buttons][:4] == ["U1", "U2", "U3", "U4"]
    assert (
        world.discord.interactions[0]["session_id"]
        == world.engine.runtime("acc").supervisor.session.session_id
    )


async def test_stale_command_version_refreshes_the_index_and_retries(world: World) -> None:
    await imagine(world, "1", "cat")
    world.discord.imagine_version = "2"
    task = await imagine(world, "2", "dog")
    assert task.status is TaskStatus.SUCCESS
    versions = [i["data"]["version"] for i in world.discord.interactions]
    assert versions == ["1", "1", "2"]  # the stale try, then the retry after the refresh
    assert world.engine.runtime("acc").commands.loads == 2


async def test_upscale_presses_the_parents_button(world: World) -> None:
    parent = await imagine(world, "1", "cat")
    child = world.services.new_task("2", TaskAction.UPSCALE, parent_id="1")
    button = parse_custom_id(f"MJ::JOB::upsample::3::{parent.message_hash}")
    await world.engine.start(Job(task=child, account=ACCOUNT, parent=parent, button=button))
    await world.services.wait_for(lambda: world.services.done("2"))
    click = world.discord.interactions[-1]
    assert click["message_id"] == parent.message_id
    assert click["data"]["custom_id"] == f"MJ::JOB::upsample::3::{parent.message_hash}"
    assert world.services.tasks["2"].status is TaskStatus.SUCCESS


async def test_custom_zoom_submits_the_modal_with_the_clients_prompt(world: World) -> None:
    parent = await imagine(world, "1", "cat")
    child = world.services.new_task("2", TaskAction.CUSTOM_ZOOM, parent_id="1")
    button = parse_custom_id(f"MJ::CustomZoom::{parent.message_hash}")
    job = Job(
        task=child, account=ACCOUNT, parent=parent, button=button, modal_prompt="cat --zoom 1.5"
    )
    await world.engine.start(job)
    await world.services.wait_for(lambda: world.services.done("2"))
    submit = world.discord.interactions[-1]
    assert submit["type"] == 5
    assert submit["nonce"] != world.discord.interactions[-2]["nonce"]
    assert world.services.tasks["2"].final_prompt == "cat --zoom 1.5"
    assert world.services.tasks["2"].status is TaskStatus.SUCCESS


async def test_restarted_engine_reattaches_and_finishes_from_history(world: World) -> None:
    world.discord.hold_results.clear()
    task = world.services.new_task("1", TaskAction.IMAGINE, "cat")
    await world.engine.start(Job(task=task, account=ACCOUNT))
    await world.services.wait_for(lambda: world.services.tasks["1"].progress == 50)
    await world.engine.aclose()
    world.discord.hold_results.set()
    await asyncio.wait_for(world.discord.result_stored.wait(), timeout=10)
    world.engine = world.new_engine()
    await world.engine.open_account(ACCOUNT)
    await world.engine.resume(Job(task=world.services.tasks["1"], account=ACCOUNT))
    await world.services.wait_for(lambda: world.services.done("1"))
    assert world.services.tasks["1"].status is TaskStatus.SUCCESS
    assert world.services.tasks["1"].image_url == world.discord.history[-1]["attachments"][0]["url"]


async def test_socket_dropped_mid_task_resumes_and_finishes(world: World) -> None:
    world.discord.hold_results.clear()
    task = world.services.new_task("1", TaskAction.IMAGINE, "cat")
    await world.engine.start(Job(task=task, account=ACCOUNT))
    await asyncio.wait_for(world.discord.progress_sent.wait(), timeout=10)
    world.gateway.drop()
    world.discord.hold_results.set()
    await world.services.wait_for(lambda: world.services.done("1"))
    assert world.services.tasks["1"].status is TaskStatus.SUCCESS
    assert 6 in world.gateway.ops()  # the engine resumed rather than identifying again


async def test_reconnect_request_mid_task_resumes_and_finishes(world: World) -> None:
    world.discord.hold_results.clear()
    task = world.services.new_task("1", TaskAction.IMAGINE, "cat")
    await world.engine.start(Job(task=task, account=ACCOUNT))
    await asyncio.wait_for(world.discord.progress_sent.wait(), timeout=10)
    await world.gateway.send_op(7)
    await world.gateway.wait_for(lambda: len(world.gateway.connections) == 2)
    world.discord.hold_results.set()
    await world.services.wait_for(lambda: world.services.done("1"))
    assert world.services.statuses["1"][-1] is TaskStatus.SUCCESS


async def test_rate_limit_burst_is_waited_out(world: World) -> None:
    world.discord.rate_limit_next = 3
    task = await imagine(world, "1", "cat")
    assert task.status is TaskStatus.SUCCESS
    assert len(world.discord.interactions) == 4


async def test_banned_prompt_fails_with_midjourneys_reason(world: World) -> None:
    task = await imagine(world, "1", "BANNED cat")
    assert task.status is TaskStatus.FAILURE
    assert task.fail_reason == "[Banned prompt detected] Sorry."
    assert not any(e.state for e in world.services.accounts if e.reason and "Banned" in e.reason)


async def test_action_needed_quarantines_the_account(world: World) -> None:
    task = await imagine(world, "1", "CAPTCHA cat")
    assert task.status is TaskStatus.FAILURE
    assert "Action needed to continue" in (task.fail_reason or "")
    quarantines = [e for e in world.services.accounts if e.state is AccountState.QUARANTINED]
    assert quarantines
    assert "Action needed" in (quarantines[0].reason or "")
