"""End-to-end tests run the real app on each database backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import StartApp, starter


@pytest.fixture
def start_app(database_url: str, tmp_path: Path) -> StartApp:
    return starter(database_url, tmp_path)
