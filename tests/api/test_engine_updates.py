"""Engine reports: persisted then published, out-of-order ones dropped, concurrent ones merged."""

from __future__ import annotations

import asyncio

from mjproxy.domain.task import TaskStatus, TaskUpdate
from tests.harness import StartApp


async def test_concurrent_updates_are_all_applied_without_losing_one(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.wait_status(task_id, TaskStatus.SUBMITTED)
        before = await app.services.store.get(task_id)
        assert before is not None
        updates = [TaskUpdate(task_id, properties={f"key{n}": f"value{n}"}) for n in range(8)]
        await asyncio.gather(*(app.engine.sinks.updates(update) for update in updates))
        after = await app.services.store.get(task_id)
    assert after is not None
    assert after.version == before.version + 8
    assert all(after.properties[f"key{n}"] == f"value{n}" for n in range(8))


async def test_an_update_after_the_end_is_dropped(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id, _ = await app.finished_imagine()
        await app.engine.progress(task_id, 40)
        await app.engine.fail(task_id, "late failure")
        task = await app.fetch(task_id)
    assert (task["status"], task["progress"], task["failReason"]) == ("SUCCESS", "100%", None)


async def test_every_persisted_change_is_published_on_the_bus(start_app: StartApp) -> None:
    async with start_app() as app, app.services.bus.subscribe() as events:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.progress(task_id, 10)
        await app.engine.succeed(task_id)
        seen = []
        async with asyncio.timeout(10):
            while not seen or seen[-1].status is not TaskStatus.SUCCESS:
                seen.append(await events.next())
    statuses = [task.status for task in seen]
    assert statuses[0] is TaskStatus.NOT_START
    assert TaskStatus.IN_PROGRESS in statuses
    assert [task.version for task in seen] == sorted(task.version for task in seen)


async def test_an_update_for_an_unknown_task_changes_nothing(start_app: StartApp) -> None:
    async with start_app() as app:
        await app.engine.sinks.updates(TaskUpdate("4242", status=TaskStatus.SUCCESS))
        _, total = await app.services.queries.recent(limit=1, offset=0)
    assert total == 0
