"""The webhook outbox on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mjproxy.domain.deliveries import DeliveryAttempt, DeliveryStatus
from mjproxy.store.outbox import SqlOutboxRepository
from mjproxy.store.sql import SqlStore, open_store

LEASE_MS = 10_000


@pytest.fixture
async def outbox(database_url: str) -> AsyncIterator[SqlOutboxRepository]:
    store: SqlStore = await open_store(database_url)
    try:
        yield store.outbox
    finally:
        await store.aclose()


async def _enqueue(
    outbox: SqlOutboxRepository, task_id: str, version: int, now_ms: int = 1_000
) -> int:
    return await outbox.enqueue(
        task_id=task_id,
        task_version=version,
        url="http://127.0.0.1:9/hook",
        payload=f'{{"id":"{task_id}","v":{version}}}',
        now_ms=now_ms,
        deadline_ms=now_ms + 60_000,
    )


def _attempt(delivery_id: int, number: int = 1, status_code: int | None = 200) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id=delivery_id,
        number=number,
        started_ms=2_000,
        duration_ms=15,
        status_code=status_code,
    )


async def test_an_enqueued_delivery_reads_back_pending(outbox: SqlOutboxRepository) -> None:
    delivery_id = await _enqueue(outbox, "1320098173412546", 3)
    delivery = await outbox.get(delivery_id)
    assert delivery is not None
    assert (delivery.task_id, delivery.task_version, delivery.status) == (
        "1320098173412546",
        3,
        DeliveryStatus.PENDING,
    )
    assert delivery.payload == '{"id":"1320098173412546","v":3}'


async def test_only_the_oldest_pending_delivery_of_a_task_is_claimed(
    outbox: SqlOutboxRepository,
) -> None:
    first = await _enqueue(outbox, "10", 1)
    await _enqueue(outbox, "10", 2)
    other = await _enqueue(outbox, "11", 1)
    claimed = await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    assert sorted(d.id for d in claimed) == [first, other]


async def test_the_next_delivery_becomes_claimable_once_the_head_is_delivered(
    outbox: SqlOutboxRepository,
) -> None:
    first = await _enqueue(outbox, "10", 1)
    second = await _enqueue(outbox, "10", 2)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    await outbox.record_attempt(_attempt(first), status=DeliveryStatus.DELIVERED)
    claimed = await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    assert [d.id for d in claimed] == [second]


async def test_a_leased_head_is_not_handed_out_again_until_its_lease_ends(
    outbox: SqlOutboxRepository,
) -> None:
    delivery_id = await _enqueue(outbox, "12", 1)
    assert len(await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)) == 1
    assert await outbox.claim_due(now_ms=6_000, lease_ms=LEASE_MS, limit=10) == []
    again = await outbox.claim_due(now_ms=5_000 + LEASE_MS, lease_ms=LEASE_MS, limit=10)
    assert [d.id for d in again] == [delivery_id]


async def test_concurrent_claims_never_hand_out_a_head_twice(outbox: SqlOutboxRepository) -> None:
    for task in range(6):
        await _enqueue(outbox, str(100 + task), 1)
    batches = await asyncio.gather(
        *(outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10) for _ in range(3))
    )
    ids = [d.id for batch in batches for d in batch]
    assert len(ids) == len(set(ids)) == 6


async def test_a_failed_attempt_reschedules_and_is_logged(outbox: SqlOutboxRepository) -> None:
    delivery_id = await _enqueue(outbox, "13", 1)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    failed = DeliveryAttempt(
        delivery_id=delivery_id, number=1, started_ms=5_000, duration_ms=30, error="ConnectError"
    )
    await outbox.record_attempt(failed, status=DeliveryStatus.PENDING, next_attempt_ms=8_000)
    assert await outbox.claim_due(now_ms=7_999, lease_ms=LEASE_MS, limit=10) == []
    assert await outbox.next_due_ms() == 8_000
    assert [d.id for d in await outbox.claim_due(now_ms=8_000, lease_ms=LEASE_MS, limit=10)] == [
        delivery_id
    ]
    delivery = await outbox.get(delivery_id)
    assert delivery is not None
    assert (delivery.attempts, delivery.last_error) == (1, "ConnectError")
    assert await outbox.attempts(delivery_id) == [failed]


async def test_next_due_accounts_for_leases(outbox: SqlOutboxRepository) -> None:
    assert await outbox.next_due_ms() is None
    await _enqueue(outbox, "14", 1, now_ms=1_000)
    assert await outbox.next_due_ms() == 1_000
    await outbox.claim_due(now_ms=2_000, lease_ms=LEASE_MS, limit=10)
    assert await outbox.next_due_ms() == 2_000 + LEASE_MS


async def test_release_frees_a_lease_at_once(outbox: SqlOutboxRepository) -> None:
    delivery_id = await _enqueue(outbox, "15", 1)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    await outbox.release([delivery_id])
    assert [d.id for d in await outbox.claim_due(now_ms=5_001, lease_ms=LEASE_MS, limit=10)] == [
        delivery_id
    ]


async def test_an_instance_takes_back_only_its_own_leases(outbox: SqlOutboxRepository) -> None:
    mine = await _enqueue(outbox, "16", 1)
    theirs = await _enqueue(outbox, "17", 1)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=1, owner="node-0")
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=1, owner="node-1")
    assert await outbox.release_owned("node-0") == 1
    claimed = await outbox.claim_due(now_ms=5_001, lease_ms=LEASE_MS, limit=10)
    assert [d.id for d in claimed] == [mine]
    assert theirs != mine


async def test_the_log_lists_newest_first_with_filters(outbox: SqlOutboxRepository) -> None:
    a = await _enqueue(outbox, "16", 1)
    b = await _enqueue(outbox, "16", 2)
    c = await _enqueue(outbox, "17", 1)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    await outbox.record_attempt(_attempt(a), status=DeliveryStatus.DELIVERED)
    everything, total = await outbox.list_recent(limit=10)
    assert ([d.id for d in everything], total) == ([c, b, a], 3)
    for_task, total = await outbox.list_recent(limit=10, task_id="16")
    assert ([d.id for d in for_task], total) == ([b, a], 2)
    delivered, total = await outbox.list_recent(limit=1, statuses=[DeliveryStatus.DELIVERED])
    assert ([d.id for d in delivered], total) == ([a], 1)
    assert await outbox.list_recent(limit=10, task_id="not-a-number") == ([], 0)


async def test_prune_deletes_only_old_finished_deliveries(outbox: SqlOutboxRepository) -> None:
    done = await _enqueue(outbox, "18", 1)
    waiting = await _enqueue(outbox, "19", 1)
    await outbox.claim_due(now_ms=5_000, lease_ms=LEASE_MS, limit=10)
    await outbox.record_attempt(_attempt(done), status=DeliveryStatus.DELIVERED)
    assert await outbox.prune(finished_before_ms=2_000) == 0
    assert await outbox.prune(finished_before_ms=3_000) == 1
    assert await outbox.get(done) is None
    assert await outbox.attempts(done) == []
    assert await outbox.get(waiting) is not None


async def test_has_delivery_finds_a_task_version_once_enqueued(outbox: SqlOutboxRepository) -> None:
    assert not await outbox.has_delivery("20", 4)
    await _enqueue(outbox, "20", 4)
    assert await outbox.has_delivery("20", 4)
    assert not await outbox.has_delivery("20", 5)
    assert not await outbox.has_delivery("x", 4)
