"""Shared fixtures: real databases on all three backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import databases
from tests.harness import StartApp, starter
from tests.peers.s3 import S3Server, running_s3_server


@pytest.fixture(scope="session")
def _server_databases() -> Iterator[dict[str, str]]:
    """One migrated database per server backend for the whole run, dropped at the end."""
    created: dict[str, str] = {}
    try:
        yield created
    finally:
        for backend, url in created.items():
            databases.drop_database(databases.SERVERS[backend], url)


def _server_url(backend: str, created: dict[str, str]) -> str:
    server = databases.SERVERS[backend]
    if backend not in created:
        if not databases.is_listening(server.port):
            message = f"{backend} is not listening on 127.0.0.1:{server.port}"
            if os.environ.get("CI") == "true":
                pytest.fail(
                    f"{message}; CI requires every database (run scripts/ensure-services.sh)"
                )
            pytest.skip(f"{message} (make test starts it)")
        created[backend] = databases.create_database(server)
    databases.empty_tables(created[backend])
    return created[backend]


@pytest.fixture(params=databases.selected_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _server_databases: dict[str, str]
) -> str:
    """A URL to an empty, migrated-on-open database, once per backend."""
    backend: str = request.param
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'mjproxy.db'}"
    return _server_url(backend, _server_databases)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file, for tests that are about something other than storage."""
    return f"sqlite:///{tmp_path / 'mjproxy.db'}"


@pytest.fixture
def start_app(database_url: str, tmp_path: Path) -> StartApp:
    """`async with start_app(**setting_overrides) as app:` runs the real app on this test's
    database (once per backend) with a scripted engine; see tests/harness.py."""
    return starter(database_url, tmp_path)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-compatible server (moto in server mode) on 127.0.0.1, one per test run."""
    with running_s3_server() as server:
        yield server
