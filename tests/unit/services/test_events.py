"""The event bus: fan-out in order, filters, bounded buffers that drop the oldest."""

from __future__ import annotations

import asyncio

from mjproxy.domain.task import Task, TaskAction
from mjproxy.services.events import EventBus


def task(task_id: str, version: int = 0) -> Task:
    return Task(id=task_id, action=TaskAction.IMAGINE, submit_time_ms=1, version=version)


async def test_every_subscriber_gets_every_change_in_order() -> None:
    bus = EventBus()
    async with bus.subscribe() as first, bus.subscribe() as second:
        for version in range(3):
            bus.publish(task("1", version))
        for subscription in (first, second):
            assert [(await subscription.next()).version for _ in range(3)] == [0, 1, 2]


async def test_a_filter_keeps_only_the_wanted_tasks() -> None:
    bus = EventBus()
    async with bus.subscribe(lambda t: t.id == "2") as events:
        bus.publish(task("1"))
        bus.publish(task("2"))
        assert (await events.next()).id == "2"


async def test_a_slow_subscriber_loses_its_oldest_events_not_the_newest() -> None:
    bus = EventBus()
    async with bus.subscribe(maxsize=2) as events:
        for version in range(5):
            bus.publish(task("1", version))
        assert [(await events.next()).version for _ in range(2)] == [3, 4]
        assert events.dropped == 3


async def test_a_waiting_subscriber_wakes_on_publish() -> None:
    bus = EventBus()
    async with bus.subscribe() as events:
        waiter = asyncio.create_task(events.next())
        await asyncio.sleep(0)  # let the waiter block on the empty buffer
        bus.publish(task("7"))
        async with asyncio.timeout(5):
            assert (await waiter).id == "7"


async def test_leaving_the_context_unsubscribes() -> None:
    bus = EventBus()
    async with bus.subscribe():
        assert bus.subscriber_count == 1
    assert bus.subscriber_count == 0
    bus.publish(task("1"))
    assert bus.published == 1
