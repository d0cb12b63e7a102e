"""Writers in one process take turns before SQLite sees them (store/writes.py), so none ever
waits in SQLite's sleeping busy handler. Proved with that handler switched off: a writer that
met a locked database would then fail at once with "database is locked"."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from sqlalchemy import event

from mjproxy.domain.account import Account, Secret
from mjproxy.domain.task import Task, TaskAction
from mjproxy.store.sql import open_store

WRITERS = 40


def _no_busy_wait(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


async def test_concurrent_writers_never_find_the_database_locked(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'mjproxy.db'}")
    event.listen(store.engine.sync_engine, "connect", _no_busy_wait)
    await store.engine.dispose()  # every connection from now on has no busy timeout
    try:
        tasks = [
            Task(id=str(100 + n), action=TaskAction.IMAGINE, submit_time_ms=1)
            for n in range(WRITERS)
        ]
        await asyncio.gather(*(store.tasks.insert(task) for task in tasks))
        updated = [dataclasses.replace(task, progress=50, version=1) for task in tasks]
        results = await asyncio.gather(
            *(store.tasks.update(task, expected_version=0) for task in updated),
            *(
                store.outbox.enqueue(
                    task_id=task.id,
                    task_version=1,
                    url="http://127.0.0.1:9/hook",
                    payload="{}",
                    now_ms=1,
                    deadline_ms=2,
                )
                for task in tasks
            ),
            store.accounts.insert_account(
                Account(
                    id="main",
                    engine="discord",
                    channel_id="1",
                    guild_id="2",
                    user_token=Secret("t"),
                )
            ),
        )
        assert results[:WRITERS] == [True] * WRITERS
        stored = await store.tasks.get_many([task.id for task in tasks])
        assert sorted(task.progress for task in stored) == [50] * WRITERS
        assert len(await store.outbox.claim_due(now_ms=1, lease_ms=1000, limit=100)) == WRITERS
    finally:
        await store.aclose()
