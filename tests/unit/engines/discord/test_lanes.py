"""Task update lanes: in order per task, tasks independent, waiting progress merged."""

from __future__ import annotations

import asyncio
import dataclasses

from mjproxy.domain.task import Task, TaskAction, TaskStatus, TaskUpdate, apply_update
from mjproxy.engines.discord.lanes import UpdateLanes, merge_updates


def running_task() -> Task:
    return Task(id="1", action=TaskAction.IMAGINE, submit_time_ms=1, status=TaskStatus.SUBMITTED)


def progress(percent: int, **fields: object) -> TaskUpdate:
    return TaskUpdate("1", status=TaskStatus.IN_PROGRESS, progress=percent, **fields)  # type: ignore[arg-type]


def test_merged_progress_leaves_the_task_as_both_updates_would() -> None:
    older = progress(15, image_url="a.webp", progress_message_id="m1", engine_state={"k": 1})
    newer = TaskUpdate(
        "1", progress=31, image_url="b.webp", engine_state={"j": 2}, properties={"p": 1}
    )
    merged = merge_updates(older, newer)
    assert merged is not None
    task = running_task()
    one_by_one = apply_update(apply_update(task, older, now_ms=5), newer, now_ms=5)
    # One write instead of two: only the version counter tells them apart.
    assert apply_update(task, merged, now_ms=5) == dataclasses.replace(one_by_one, version=1)


def test_status_changes_and_failures_are_never_merged() -> None:
    assert merge_updates(progress(15), TaskUpdate("1", status=TaskStatus.SUCCESS)) is None
    assert merge_updates(TaskUpdate("1", status=TaskStatus.SUBMITTED), progress(0)) is None
    assert merge_updates(progress(15), TaskUpdate("1", fail_reason="no")) is None
    assert merge_updates(progress(15), TaskUpdate("2", progress=31)) is None


class SlowSink:
    """Reports take until released, per task, so the test controls who is slow."""

    def __init__(self) -> None:
        self.reported: list[TaskUpdate] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def __call__(self, update: TaskUpdate) -> None:
        await self.gates.setdefault(update.task_id, asyncio.Event()).wait()
        self.reported.append(update)


async def test_a_slow_task_does_not_hold_up_another_tasks_result() -> None:
    sink = SlowSink()
    lanes = UpdateLanes(account_id="a", sink=sink)
    lanes.put(TaskUpdate("1", status=TaskStatus.IN_PROGRESS, progress=15))
    result = lanes.put(TaskUpdate("2", status=TaskStatus.SUCCESS))
    sink.gates["2"] = asyncio.Event()
    sink.gates["2"].set()
    await asyncio.wait_for(result, 5)
    assert [u.task_id for u in sink.reported] == ["2"]
    sink.gates["1"].set()
    await asyncio.wait_for(lanes.drained(), 5)
    assert len(lanes) == 0


async def test_updates_of_one_task_keep_their_order_and_waiting_progress_merges() -> None:
    sink = SlowSink()
    lanes = UpdateLanes(account_id="a", sink=sink)
    lanes.put(TaskUpdate("1", status=TaskStatus.SUBMITTED))
    await asyncio.sleep(0)  # the first update is being reported: it is never merged
    lanes.put(progress(15))
    lanes.put(progress(31, image_url="b.webp"))
    done = lanes.put(TaskUpdate("1", status=TaskStatus.SUCCESS))
    sink.gates["1"].set()
    await asyncio.wait_for(done, 5)
    assert [(u.status, u.progress) for u in sink.reported] == [
        (TaskStatus.SUBMITTED, None),
        (TaskStatus.IN_PROGRESS, 31),
        (TaskStatus.SUCCESS, None),
    ]
    assert sink.reported[1].image_url == "b.webp"
    assert lanes.merged == 1


async def test_a_failing_report_is_logged_and_the_lane_goes_on() -> None:
    reported: list[TaskUpdate] = []

    async def sink(update: TaskUpdate) -> None:
        if update.progress == 15:
            raise RuntimeError("database gone")
        reported.append(update)

    lanes = UpdateLanes(account_id="a", sink=sink)
    lanes.put(progress(15))
    await asyncio.sleep(0)
    await asyncio.wait_for(lanes.put(TaskUpdate("1", status=TaskStatus.SUCCESS)), 5)
    assert [u.status for u in reported] == [TaskStatus.SUCCESS]
