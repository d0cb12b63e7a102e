"""Fixtures for provider tests: a local HTTP server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .provider_server import ProviderServer, serve_provider


@pytest.fixture
async def provider_server() -> AsyncIterator[ProviderServer]:
    async with serve_provider() as server:
        yield server
