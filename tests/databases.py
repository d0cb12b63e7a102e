"""Real databases for tests: a fresh SQLite file per test, and per-run PostgreSQL/MariaDB databases.

PostgreSQL and MariaDB get one uniquely named database per test run (created here, dropped at
the end) whose tables are emptied before every test, so each test starts from a clean schema
without paying for a migration each time. Other engineers share the servers, so nothing here
touches a database it did not create.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mjproxy.store.sql import open_store
from mjproxy.store.tables import metadata
from mjproxy.store.urls import async_url

BACKENDS = ("sqlite", "postgresql", "mariadb")


@dataclass(frozen=True)
class Server:
    backend: str
    port: int
    admin_url: str
    url_template: str


SERVERS = {
    "postgresql": Server(
        "postgresql",
        5432,
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "postgresql://postgres@127.0.0.1:5432/{name}",
    ),
    "mariadb": Server(
        "mariadb", 3306, "mysql://root@127.0.0.1:3306/mysql", "mysql://root@127.0.0.1:3306/{name}"
    ),
}


def selected_backends() -> tuple[str, ...]:
    """All three by default; `MJPROXY_TEST_DATABASES=sqlite` narrows a local run (never in CI)."""
    wanted = os.environ.get("MJPROXY_TEST_DATABASES", "")
    if not wanted or os.environ.get("CI") == "true":
        return BACKENDS
    return tuple(b for b in BACKENDS if b in {w.strip() for w in wanted.split(",")})


def is_listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def create_database(server: Server) -> str:
    name = f"mjproxy_t_{secrets.token_hex(5)}"
    asyncio.run(_admin(server, f"CREATE DATABASE {name}"))
    url = server.url_template.format(name=name)
    asyncio.run(_migrate(url))
    return url


def drop_database(server: Server, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    statement = f"DROP DATABASE IF EXISTS {name}"
    if server.backend == "postgresql":
        statement += " WITH (FORCE)"
    asyncio.run(_admin(server, statement))


def empty_tables(url: str) -> None:
    asyncio.run(_empty(url))


async def _admin(server: Server, statement: str) -> None:
    engine = create_async_engine(async_url(server.admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    store = await open_store(url)
    await store.aclose()


async def _empty(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()
