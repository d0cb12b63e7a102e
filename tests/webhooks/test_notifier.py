"""Which task changes become webhook deliveries."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from mjproxy.domain.deliveries import DeliveryAttempt, DeliveryStatus
from mjproxy.domain.task import TaskStatus
from mjproxy.services.delivery_log import DeliveryLogRetention
from mjproxy.services.notifier import WebhookNotifier
from mjproxy.store.sql import SqlStore, open_store
from tests.webhooks.harness import FAST_RETRY, Announcements, serialize, task_state

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(sqlite_url)
    try:
        yield opened
    finally:
        await opened.aclose()


def _notifier(store: SqlStore, **kwargs: object) -> Announcements:
    notifier = WebhookNotifier(
        serialize=serialize,
        retry=FAST_RETRY,
        on_enqueued=lambda: None,
        **kwargs,  # type: ignore[arg-type]
    )
    return Announcements(store.outbox, notifier)


async def _payload_versions(store: SqlStore) -> list[int]:
    deliveries, _ = await store.outbox.list_recent(limit=100)
    return sorted(d.task_version for d in deliveries)


async def test_a_change_of_neither_status_nor_progress_is_not_announced_again(
    store: SqlStore,
) -> None:
    notifier = _notifier(store)
    assert await notifier.notify(task_state("1", 1, TaskStatus.IN_PROGRESS, 30, HOOK))
    assert await notifier.notify(task_state("1", 2, TaskStatus.IN_PROGRESS, 30, HOOK)) is None
    assert await notifier.notify(task_state("1", 3, TaskStatus.IN_PROGRESS, 31, HOOK))
    assert await _payload_versions(store) == [1, 3]


async def test_a_finished_task_is_announced_once(store: SqlStore) -> None:
    notifier = _notifier(store)
    assert await notifier.notify(task_state("2", 5, TaskStatus.SUCCESS, 100, HOOK))
    assert await notifier.notify(task_state("2", 6, TaskStatus.SUCCESS, 100, HOOK)) is None


async def test_a_task_that_is_not_ready_waits_for_the_snapshot_that_is(store: SqlStore) -> None:
    notifier = _notifier(
        store, is_ready=lambda task: task.properties.get("mediaStatus") == "stored"
    )
    pending = task_state("3", 4, TaskStatus.SUCCESS, 100, HOOK)
    assert await notifier.notify(pending) is None
    stored = dataclasses.replace(pending, version=5, properties={"mediaStatus": "stored"})
    assert await notifier.notify(stored)
    assert await _payload_versions(store) == [5]


async def test_the_global_hook_serves_tasks_without_their_own(store: SqlStore) -> None:
    notifier = _notifier(store, global_hook="http://127.0.0.1:9/global")
    delivery_id = await notifier.notify(task_state("4", 1, TaskStatus.SUBMITTED, 0, ""))
    assert delivery_id is not None
    delivery = await store.outbox.get(delivery_id)
    assert delivery is not None
    assert delivery.url == "http://127.0.0.1:9/global"
    assert delivery.payload == serialize(task_state("4", 1, TaskStatus.SUBMITTED, 0, ""))


async def test_log_retention_prunes_old_finished_deliveries_only(store: SqlStore) -> None:
    notifier = _notifier(store)
    done = await notifier.notify(task_state("20", 1, TaskStatus.SUBMITTED, 0, HOOK))
    await notifier.notify(task_state("21", 1, TaskStatus.SUBMITTED, 0, HOOK))
    assert done is not None
    await store.outbox.claim_due(now_ms=time.time_ns() // 1_000_000, lease_ms=1000, limit=1)
    attempt = DeliveryAttempt(
        delivery_id=done, number=1, started_ms=1_000, duration_ms=1, status_code=204
    )
    await store.outbox.record_attempt(attempt, status=DeliveryStatus.DELIVERED)
    retention = DeliveryLogRetention(store.outbox, retention_days=1)
    assert await retention.sweep() == 1
    _, total = await store.outbox.list_recent(limit=10)
    assert total == 1
