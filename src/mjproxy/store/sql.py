"""The SQL store: SQLite by default, PostgreSQL or MySQL/MariaDB by URL, one schema for all."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, delete, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from mjproxy.domain.deliveries import Announcement
from mjproxy.domain.task import ImageInput, Task, TaskStatus
from mjproxy.store.accounts import SqlAccountRepository
from mjproxy.store.errors import StoreError
from mjproxy.store.migrate import upgrade_to_head
from mjproxy.store.outbox import SqlOutboxRepository, delivery_row
from mjproxy.store.rows import row_to_task, task_to_row
from mjproxy.store.tables import task_inputs, tasks, webhook_deliveries
from mjproxy.store.urls import async_url, describe
from mjproxy.store.writes import write_gate

logger = logging.getLogger(__name__)

__all__ = ["SqlStore", "SqlTaskRepository", "StoreError", "open_store"]

_TERMINAL = [status.value for status in TaskStatus if status.is_terminal]
# The reads every fetch and list-by-condition make, built once: constructing the expression
# anew cost about as much as SQLAlchemy's whole cached execution of it.
_BY_ID = select(tasks).where(tasks.c.id == bindparam("id"))
_BY_IDS = select(tasks).where(tasks.c.id.in_(bindparam("ids", expanding=True)))
_VERSIONS = select(tasks.c.id, tasks.c.version).where(
    tasks.c.id.in_(bindparam("ids", expanding=True))
)


class SqlTaskRepository:
    """`TaskRepository` on SQLAlchemy Core; every method is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(
        self,
        task: Task,
        inputs: Sequence[ImageInput] = (),
        *,
        announcement: Announcement | None = None,
    ) -> None:
        async with self._begin(writes=True) as connection:
            try:
                await connection.execute(insert(tasks).values(task_to_row(task)))
            except IntegrityError as exc:
                raise ValueError(f"A task with the id {task.id!r} already exists.") from exc
            await _announce(connection, task, announcement)
            if inputs:
                await connection.execute(
                    insert(task_inputs),
                    [
                        {
                            "task_id": int(task.id),
                            "position": position,
                            "role": image.role,
                            "mime": image.mime,
                            "data": image.data,
                        }
                        for position, image in enumerate(inputs)
                    ],
                )

    async def get(self, task_id: str) -> Task | None:
        key = _key(task_id)
        if key is None:
            return None
        async with self._begin() as connection:
            row = (await connection.execute(_BY_ID, {"id": key})).first()
        return row_to_task(row._mapping) if row else None

    async def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        keys = sorted({key for key in map(_key, task_ids) if key is not None})
        if not keys:
            return []
        async with self._begin() as connection:
            rows = await connection.execute(_BY_IDS, {"ids": keys})
            return [row_to_task(row._mapping) for row in rows]

    async def versions(self, task_ids: Sequence[str]) -> dict[str, int]:
        keys = sorted({key for key in map(_key, task_ids) if key is not None})
        if not keys:
            return {}
        async with self._begin() as connection:
            rows = await connection.execute(_VERSIONS, {"ids": keys})
            return {str(row.id): int(row.version) for row in rows}

    async def update(
        self, task: Task, *, expected_version: int, announcement: Announcement | None = None
    ) -> bool:
        values = task_to_row(task)
        del values["id"]
        async with self._begin(writes=True) as connection:
            result = await connection.execute(
                update(tasks)
                .where(tasks.c.id == int(task.id), tasks.c.version == expected_version)
                .values(values)
            )
            if result.rowcount != 1:
                return False
            await _announce(connection, task, announcement)
        return True

    async def list_recent(
        self, *, limit: int, offset: int = 0, statuses: Sequence[TaskStatus] = ()
    ) -> tuple[list[Task], int]:
        query = select(tasks)
        count = select(func.count()).select_from(tasks)
        if statuses:
            wanted = [status.value for status in statuses]
            query = query.where(tasks.c.status.in_(wanted))
            count = count.where(tasks.c.status.in_(wanted))
        query = query.order_by(tasks.c.submit_time_ms.desc(), tasks.c.id.desc())
        async with self._begin() as connection:
            rows = await connection.execute(query.limit(limit).offset(offset))
            found = [row_to_task(row._mapping) for row in rows]
            total = (await connection.execute(count)).scalar_one()
        return found, int(total)

    async def list_unfinished(self) -> list[Task]:
        query = (
            select(tasks)
            .where(tasks.c.status.not_in(_TERMINAL))
            .order_by(tasks.c.submit_time_ms, tasks.c.id)
        )
        async with self._begin() as connection:
            return [row_to_task(row._mapping) for row in await connection.execute(query)]

    async def load_inputs(self, task_id: str) -> list[ImageInput]:
        key = _key(task_id)
        if key is None:
            return []
        query = (
            select(task_inputs).where(task_inputs.c.task_id == key).order_by(task_inputs.c.position)
        )
        async with self._begin() as connection:
            return [
                ImageInput(data=row.data, mime=row.mime, role=row.role)
                for row in await connection.execute(query)
            ]

    async def add_inputs(self, task_id: str, inputs: Sequence[ImageInput]) -> None:
        key = _key(task_id)
        if key is None or not inputs:
            return
        async with self._begin(writes=True) as connection:
            last = (
                await connection.execute(
                    select(func.max(task_inputs.c.position)).where(task_inputs.c.task_id == key)
                )
            ).scalar_one()
            start = 0 if last is None else int(last) + 1
            await connection.execute(
                insert(task_inputs),
                [
                    {
                        "task_id": key,
                        "position": start + offset,
                        "role": image.role,
                        "mime": image.mime,
                        "data": image.data,
                    }
                    for offset, image in enumerate(inputs)
                ],
            )

    async def delete_inputs(self, task_id: str) -> None:
        key = _key(task_id)
        if key is None:
            return
        async with self._begin(writes=True) as connection:
            await connection.execute(delete(task_inputs).where(task_inputs.c.task_id == key))

    async def max_id(self) -> int:
        async with self._begin() as connection:
            value = (await connection.execute(select(func.max(tasks.c.id)))).scalar_one()
        return int(value or 0)

    @asynccontextmanager
    async def _begin(self, *, writes: bool = False) -> AsyncIterator[AsyncConnection]:
        gate = write_gate(self._engine) if writes else contextlib.nullcontext()
        try:
            async with gate, self._engine.begin() as connection:
                yield connection
        except (SQLAlchemyError, OSError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise StoreError(f"The database refused the operation: {type(exc).__name__}.") from exc


async def _announce(
    connection: AsyncConnection, task: Task, announcement: Announcement | None
) -> None:
    """The webhook delivery of this task state: committed with it, or rolled back with it."""
    if announcement is None:
        return
    row = delivery_row(
        task_id=task.id,
        task_version=task.version,
        url=announcement.url,
        payload=announcement.payload,
        now_ms=announcement.created_ms,
        deadline_ms=announcement.deadline_ms,
    )
    await connection.execute(insert(webhook_deliveries).values(row))


def _key(task_id: str) -> int | None:
    """Task ids are digit strings; anything else cannot be stored, so it matches nothing."""
    text = str(task_id).strip()
    if not text.isdigit() or len(text) > 18:
        return None
    return int(text)


@dataclass(slots=True)
class SqlStore:
    """The database behind mjproxy: its engine and the repositories built on it."""

    engine: AsyncEngine
    tasks: SqlTaskRepository
    outbox: SqlOutboxRepository
    accounts: SqlAccountRepository

    async def aclose(self) -> None:
        await self.engine.dispose()


async def open_store(url: str, *, migrate: bool = True, pool_size: int = 10) -> SqlStore:
    """Connect to `url`, bring its schema up to date and return the store.

    Raises `InvalidDatabaseUrl` for an unusable URL and `StoreError` when the database
    cannot be reached or migrated.
    """
    engine = _create_engine(url, pool_size=pool_size)
    try:
        if migrate:
            await upgrade_to_head(engine)
    except (SQLAlchemyError, OSError) as exc:
        await engine.dispose()
        first_line = str(exc).splitlines()[0][:300] if str(exc) else ""
        raise StoreError(
            f"Could not open the database {describe(url)}: {type(exc).__name__}: {first_line}"
        ) from exc
    logger.info("store opened: %s", describe(url))
    return SqlStore(
        engine=engine,
        tasks=SqlTaskRepository(engine),
        outbox=SqlOutboxRepository(engine),
        accounts=SqlAccountRepository(engine),
    )


def _create_engine(url: str, *, pool_size: int) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(target, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(
        target, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers (fetch, list) proceed while a writer commits a task update.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
