"""A new app over the same database serves every task and resumes unfinished work."""

from __future__ import annotations

from mjproxy.domain.ids import node_of
from mjproxy.domain.task import TaskStatus
from tests.harness import StartApp, account

ONE_SLOT = {"scheduler": {"running": 1, "queued": 5}}


async def test_a_restarted_server_serves_every_task_it_had(start_app: StartApp) -> None:
    async with start_app() as app:
        finished, _ = await app.finished_imagine("done")
        failed = await app.imagine("fails")
        await app.engine.next_job()
        await app.engine.fail(failed, "[Banned prompt] no")
        before = {task_id: await app.fetch(task_id) for task_id in (finished, failed)}
    async with start_app() as app:
        after = {task_id: await app.fetch(task_id) for task_id in (finished, failed)}
        listed = (
            await app.client.post("/mj/task/list-by-condition", json={"ids": [*after]})
        ).json()
    assert after == before
    assert {task["id"] for task in listed} == {finished, failed}


async def test_queued_tasks_resume_after_a_restart_in_their_order(start_app: StartApp) -> None:
    async with start_app(**ONE_SLOT) as app:
        running = await app.imagine("one")
        await app.engine.next_job()
        await app.wait_status(running, TaskStatus.SUBMITTED)
        await app.engine.progress(running, 40)
        waiting = [await app.imagine("two"), await app.imagine("three")]
    async with start_app(**ONE_SLOT) as app:
        resumed = await app.engine.resumed.get()
        await app.engine.succeed(running)
        started = [(await app.engine.next_job()).task.id]
        await app.engine.succeed(started[0])
        started.append((await app.engine.next_job()).task.id)
    assert resumed.task.id == running
    assert resumed.task.progress == 40
    assert started == waiting


async def test_a_running_task_the_engine_cannot_resume_fails_with_its_reason(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.wait_status(task_id, TaskStatus.SUBMITTED)
    reason = "The job's Discord message is gone."
    async with start_app(create={"engine_options": {"refuse_resume_with": reason}}) as app:
        task = await app.wait_status(task_id, TaskStatus.FAILURE)
    assert task.fail_reason == reason


async def test_waiting_tasks_go_to_any_account_and_a_deleted_accounts_tasks_fail_clearly(
    start_app: StartApp,
) -> None:
    async with start_app(**ONE_SLOT) as app:
        running = await app.imagine("runs")
        await app.engine.next_job()
        await app.wait_status(running, TaskStatus.SUBMITTED)
        queued = await app.imagine("waits")
    more = {"accounts": [account(), account("acc-9")], "admin_secret": "k"}
    async with start_app(**ONE_SLOT, **more) as app:
        await app.engine.resumed.get()
        moved = await app.engine.next_job()
        deleted = await app.client.delete(
            "/mj/admin/accounts/acc-1", headers={"mj-api-secret": "k"}
        )
        failed = await app.wait_status(running, TaskStatus.FAILURE)
    assert (moved.task.id, moved.account.id) == (queued, "acc-9")
    assert deleted.status_code == 200
    assert failed.fail_reason == "The account acc-1 is disabled: Deleted by an operator."


async def test_a_modal_task_can_be_confirmed_after_a_restart(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await app.finished_imagine()
        reply = await app.submit(
            "/mj/submit/action",
            {
                "taskId": parent_id,
                "customId": f"MJ::JOB::variation::1::{job_hash}",
                "enableRemix": True,
            },
        )
    async with start_app() as app:
        confirmed = await app.submit(
            "/mj/submit/modal", {"taskId": reply["result"], "prompt": "a dog"}
        )
        job = await app.engine.next_job()
    assert confirmed["code"] == 1
    assert job.modal_prompt == "a dog --fast"


async def test_ids_stay_unique_when_the_clock_goes_back_across_a_restart(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        before = [await app.imagine(f"p{n}") for n in range(3)]
    early_clock = {"clock_ms": lambda: 1_704_067_300_000}  # 2024, long before the first run
    async with start_app(create=early_clock) as app:
        after = [await app.imagine(f"q{n}") for n in range(3)]
    assert len(set(before + after)) == 6
    assert min(int(task_id) for task_id in after) > max(int(task_id) for task_id in before)


async def test_two_instances_on_one_database_never_share_an_id(start_app: StartApp) -> None:
    same_instant = {"clock_ms": lambda: 1_767_225_600_000}
    async with (
        start_app(node_id=1, create=same_instant) as first,
        start_app(node_id=2, create=same_instant) as second,
    ):
        ids = [await first.imagine("a"), await second.imagine("b"), await first.imagine("c")]
    assert len(set(ids)) == 3
    assert [node_of(task_id) for task_id in ids] == [1, 2, 1]
