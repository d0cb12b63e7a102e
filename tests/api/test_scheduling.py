"""Running tasks: engine refusals, start and task timeouts, account readiness."""

from __future__ import annotations

import asyncio

from mjproxy.domain.account import AccountState
from mjproxy.domain.task import Mode, TaskStatus
from mjproxy.engines.base import AccountEvent
from tests.harness import StartApp


async def test_a_stuck_task_fails_with_a_clear_reason_and_frees_its_slot(
    start_app: StartApp,
) -> None:
    async with start_app(scheduler={"running": 1, "queued": 5, "task_timeout_s": 0.2}) as app:
        stuck = await app.imagine("one")
        waiting = await app.imagine("two")
        await app.engine.next_job()
        task = await app.wait_status(stuck, TaskStatus.FAILURE)
        next_job = await app.engine.next_job()
    assert task.fail_reason == "Timed out: no result within 0.2 s of the task starting."
    assert task.progress_text == "100%"
    assert next_job.task.id == waiting


async def test_progress_before_the_deadline_does_not_prevent_the_timeout(
    start_app: StartApp,
) -> None:
    async with start_app(scheduler={"task_timeout_s": 0.3}) as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.progress(task_id, 50)
        task = await app.wait_status(task_id, TaskStatus.FAILURE)
    assert "Timed out" in (task.fail_reason or "")


async def test_a_task_the_engine_refuses_fails_with_the_engines_reason(start_app: StartApp) -> None:
    reason = "Discord refused the interaction: Invalid Form Body (50035)."
    async with start_app(create={"engine_options": {"refuse_with": reason}}) as app:
        task_id = await app.imagine()
        task = await app.wait_status(task_id, TaskStatus.FAILURE)
        fetched = await app.fetch(task_id)
    assert task.fail_reason == reason
    assert fetched["failReason"] == reason


async def test_an_engine_that_crashes_fails_the_task_and_the_server_keeps_going(
    start_app: StartApp,
) -> None:
    crash = {"engine_options": {"crash_with": RuntimeError("bug in the engine")}}
    async with start_app(create=crash) as app:
        first = await app.wait_status(await app.imagine("one"), TaskStatus.FAILURE)
        second = await app.wait_status(await app.imagine("two"), TaskStatus.FAILURE)
    assert first.fail_reason == (
        "Internal error while the task was handed to the engine: RuntimeError."
    )
    assert second.status is TaskStatus.FAILURE


async def test_an_engine_that_does_not_accept_in_time_fails_the_task(start_app: StartApp) -> None:
    never = asyncio.Event()
    async with start_app(
        scheduler={"start_timeout_s": 0.2}, create={"engine_options": {"hold_start": never}}
    ) as app:
        task = await app.wait_status(await app.imagine(), TaskStatus.FAILURE)
    assert task.fail_reason == "The scripted engine did not start the task within 0.2 s."


async def test_a_task_becomes_submitted_once_the_engine_accepted_it(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        task = await app.wait_status(task_id, TaskStatus.SUBMITTED)
    assert task.start_time_ms is not None


async def test_work_waits_for_a_connecting_account_and_starts_once_it_is_ready(
    start_app: StartApp,
) -> None:
    # A gateway that drops and resumes is routine: refusing work meanwhile would fail
    # clients for a second's reconnect. The task waits in line instead.
    async with start_app(create={"engine_options": {"ready_on_open": False}}) as app:
        before = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
        assert before["code"] == 22, before
        assert app.engine.started.empty()  # nothing is sent to an account that is not ready
        await app.engine.sinks.accounts(AccountEvent("acc-1", state=AccountState.READY))
        started = await app.engine.next_job()
        after = await app.submit("/mj/submit/imagine", {"prompt": "a dog"})
    assert started.task.id == before["result"]
    assert after["code"] == 1


async def test_work_waiting_for_a_connecting_account_fails_when_it_is_disabled(
    start_app: StartApp,
) -> None:
    async with start_app(create={"engine_options": {"ready_on_open": False}}) as app:
        waiting = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
        assert waiting["code"] == 22, waiting
        await app.engine.sinks.accounts(
            AccountEvent("acc-1", state=AccountState.DISABLED, reason="Authentication failed")
        )
        task = await app.wait_status(waiting["result"], TaskStatus.FAILURE)
        refused = await app.submit("/mj/submit/imagine", {"prompt": "a dog"})
    assert "Authentication failed" in (task.fail_reason or "")
    assert refused["code"] == 3


async def test_queued_work_starts_when_its_account_becomes_ready(start_app: StartApp) -> None:
    async with start_app(scheduler={"running": 1, "queued": 5}) as app:
        running = await app.imagine("one")
        await app.engine.next_job()
        await app.wait_status(running, TaskStatus.SUBMITTED)
        queued = await app.imagine("two")
    async with start_app(
        scheduler={"running": 2, "queued": 5}, create={"engine_options": {"ready_on_open": False}}
    ) as app:
        scheduler = app.services.scheduler
        before_ready = scheduler.counts("acc-1")[Mode.FAST]
        await app.engine.sinks.accounts(AccountEvent("acc-1", state=AccountState.READY))
        after_ready = scheduler.counts("acc-1")[Mode.FAST]
        started = await app.engine.next_job()
    assert before_ready == (1, 1)  # the resumed task holds a slot; the queued one waits
    assert after_ready == (2, 0)
    assert started.task.id == queued
