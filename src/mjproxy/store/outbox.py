"""The webhook outbox on SQL: `OutboxRepository` for SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mjproxy.domain.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from mjproxy.store.errors import StoreError
from mjproxy.store.tables import webhook_attempts, webhook_deliveries
from mjproxy.store.writes import write_gate

_D = webhook_deliveries.c
_PENDING = DeliveryStatus.PENDING.value


class SqlOutboxRepository:
    """Each method is one short transaction; leases are conditional updates, so it is safe
    for several workers and several instances sharing one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def enqueue(
        self,
        *,
        task_id: str,
        task_version: int,
        url: str,
        payload: str,
        now_ms: int,
        deadline_ms: int,
        topic: str | None = None,
    ) -> int:
        values = delivery_row(
            task_id=task_id,
            task_version=task_version,
            url=url,
            payload=payload,
            now_ms=now_ms,
            deadline_ms=deadline_ms,
            topic=topic,
        )
        async with self._begin(writes=True) as connection:
            result = await connection.execute(insert(webhook_deliveries).values(values))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    async def claim_due(
        self, *, now_ms: int, lease_ms: int, limit: int, owner: str = ""
    ) -> list[Delivery]:
        query = (
            select(webhook_deliveries)
            .where(_D.id.in_(self._heads()), _D.next_attempt_ms <= now_ms, self._unleased(now_ms))
            .order_by(_D.next_attempt_ms, _D.id)
            .limit(limit)
        )
        claimed: list[Delivery] = []
        async with self._begin(writes=True) as connection:
            candidates = [_row_to_delivery(row._mapping) for row in await connection.execute(query)]
            for candidate in candidates:
                result = await connection.execute(
                    update(webhook_deliveries)
                    .where(_D.id == candidate.id, _D.status == _PENDING, self._unleased(now_ms))
                    .values(lease_until_ms=now_ms + lease_ms, lease_owner=owner or None)
                )
                if result.rowcount == 1:
                    claimed.append(candidate)
        return claimed

    async def next_due_ms(self) -> int | None:
        query = select(_D.next_attempt_ms, _D.lease_until_ms).where(_D.id.in_(self._heads()))
        async with self._begin() as connection:
            rows = (await connection.execute(query)).all()
        if not rows:
            return None
        return min(int(max(row.next_attempt_ms, row.lease_until_ms or 0)) for row in rows)

    async def record_attempt(
        self,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_ms: int | None = None,
    ) -> None:
        finished_ms = attempt.started_ms + attempt.duration_ms
        values: dict[str, Any] = {
            "status": status.value,
            "attempts": attempt.number,
            "lease_until_ms": None,
            "lease_owner": None,
            "last_attempt_ms": attempt.started_ms,
            "last_status_code": attempt.status_code,
            "last_error": attempt.error,
        }
        if status is DeliveryStatus.PENDING:
            assert next_attempt_ms is not None, "a retried delivery needs its next attempt time"
            values["next_attempt_ms"] = next_attempt_ms
        else:
            values["finished_ms"] = finished_ms
        async with self._begin(writes=True) as connection:
            await connection.execute(
                insert(webhook_attempts).values(
                    delivery_id=attempt.delivery_id,
                    number=attempt.number,
                    started_ms=attempt.started_ms,
                    duration_ms=attempt.duration_ms,
                    status_code=attempt.status_code,
                    error=attempt.error,
                )
            )
            await connection.execute(
                update(webhook_deliveries)
                .where(_D.id == attempt.delivery_id, _D.status == _PENDING)
                .values(values)
            )

    async def release(self, delivery_ids: Sequence[int]) -> None:
        if not delivery_ids:
            return
        async with self._begin(writes=True) as connection:
            await connection.execute(
                update(webhook_deliveries)
                .where(_D.id.in_(list(delivery_ids)), _D.status == _PENDING)
                .values(lease_until_ms=None, lease_owner=None)
            )

    async def release_owned(self, owner: str) -> int:
        if not owner:
            return 0
        async with self._begin(writes=True) as connection:
            result = await connection.execute(
                update(webhook_deliveries)
                .where(_D.lease_owner == owner, _D.status == _PENDING)
                .values(lease_until_ms=None, lease_owner=None)
            )
        return int(result.rowcount or 0)

    async def get(self, delivery_id: int) -> Delivery | None:
        async with self._begin() as connection:
            row = (
                await connection.execute(select(webhook_deliveries).where(_D.id == delivery_id))
            ).first()
        return _row_to_delivery(row._mapping) if row else None

    async def has_delivery(self, task_id: str, task_version: int) -> bool:
        if not task_id.isdigit() or len(task_id) > 18:
            return False
        query = (
            select(_D.id)
            .where(_D.task_id == int(task_id), _D.task_version == task_version)
            .limit(1)
        )
        async with self._begin() as connection:
            return (await connection.execute(query)).first() is not None

    async def list_recent(
        self,
        *,
        limit: int,
        offset: int = 0,
        task_id: str | None = None,
        statuses: Sequence[DeliveryStatus] = (),
    ) -> tuple[list[Delivery], int]:
        conditions = []
        if task_id is not None:
            if not task_id.isdigit() or len(task_id) > 18:
                return [], 0
            conditions.append(_D.task_id == int(task_id))
        if statuses:
            conditions.append(_D.status.in_([status.value for status in statuses]))
        where = and_(True, *conditions)
        query = select(webhook_deliveries).where(where).order_by(_D.id.desc())
        count = select(func.count()).select_from(webhook_deliveries).where(where)
        async with self._begin() as connection:
            rows = await connection.execute(query.limit(limit).offset(offset))
            found = [_row_to_delivery(row._mapping) for row in rows]
            total = (await connection.execute(count)).scalar_one()
        return found, int(total)

    async def attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        query = (
            select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id == delivery_id)
            .order_by(webhook_attempts.c.number)
        )
        async with self._begin() as connection:
            return [
                DeliveryAttempt(
                    delivery_id=row.delivery_id,
                    number=row.number,
                    started_ms=row.started_ms,
                    duration_ms=row.duration_ms,
                    status_code=row.status_code,
                    error=row.error,
                )
                for row in await connection.execute(query)
            ]

    async def prune(self, *, finished_before_ms: int) -> int:
        old = select(_D.id).where(_D.status != _PENDING, _D.finished_ms < finished_before_ms)
        async with self._begin(writes=True) as connection:
            ids = [row.id for row in await connection.execute(old)]
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                await connection.execute(
                    delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(batch))
                )
                await connection.execute(delete(webhook_deliveries).where(_D.id.in_(batch)))
        return len(ids)

    @staticmethod
    def _heads() -> Any:
        # The oldest pending delivery of each task: the only one that may be sent now.
        return (
            select(func.min(_D.id))
            .where(_D.status == _PENDING)
            .group_by(_D.task_id)
            .scalar_subquery()
        )

    @staticmethod
    def _unleased(now_ms: int) -> Any:
        return or_(_D.lease_until_ms.is_(None), _D.lease_until_ms <= now_ms)

    @asynccontextmanager
    async def _begin(self, *, writes: bool = False) -> AsyncIterator[AsyncConnection]:
        gate = write_gate(self._engine) if writes else contextlib.nullcontext()
        try:
            async with gate, self._engine.begin() as connection:
                yield connection
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"The database refused the operation: {type(exc).__name__}.") from exc


def delivery_row(
    *,
    task_id: str,
    task_version: int,
    url: str,
    payload: str,
    now_ms: int,
    deadline_ms: int,
    topic: str | None = None,
) -> dict[str, Any]:
    """The row of a new pending delivery, due now (also written by the task repository,
    in the transaction of the task change it announces)."""
    return {
        "topic": topic,
        "task_id": int(task_id),
        "task_version": task_version,
        "url": url,
        "payload": payload,
        "status": _PENDING,
        "attempts": 0,
        "created_ms": now_ms,
        "next_attempt_ms": now_ms,
        "deadline_ms": deadline_ms,
    }


def _row_to_delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(
        id=row["id"],
        task_id=str(row["task_id"]),
        task_version=row["task_version"],
        url=row["url"],
        payload=row["payload"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_ms=row["created_ms"],
        next_attempt_ms=row["next_attempt_ms"],
        deadline_ms=row["deadline_ms"],
        last_attempt_ms=row["last_attempt_ms"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        finished_ms=row["finished_ms"],
        topic=row["topic"],
    )
