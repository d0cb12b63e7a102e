"""The Alembic migrations build exactly the schema the code declares, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from mjproxy.store.sql import open_store
from mjproxy.store.tables import metadata


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_declared_tables(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        async with store.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await store.aclose()


async def test_opening_twice_is_idempotent(database_url: str) -> None:
    for _ in range(2):
        store = await open_store(database_url)
        await store.aclose()
