"""One fuzz server per module, and the schemas schemathesis reads from its `/openapi.json`.

`MJPROXY_FUZZ_EXAMPLES` (default 10) sets how many generated requests each operation gets,
and `MJPROXY_FUZZ_SEED` (default 8) the seed; CI uses the defaults, so every run sends the
same requests. Raise the count locally to dig deeper:
`MJPROXY_FUZZ_EXAMPLES=300 .venv/bin/pytest tests/fuzz`.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis

from tests.fuzz.server import FuzzServer, fuzz_server

EXAMPLES = int(os.environ.get("MJPROXY_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("MJPROXY_FUZZ_SEED", "8"))
# Each read of an event stream ends after this long or this many events, whichever first.
STREAM_TIMEOUT_S = 0.5
STREAM_EVENTS = 2
# Aggregators call every /mj route under a speed-mode prefix; the schema lists them once.
SPEED_PREFIXES = ("/mj-fast", "/mj-relax", "/mj-turbo")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    with fuzz_server(tmp_path_factory.mktemp("fuzz")) as running:
        yield running


def fuzz_config(base_url: str) -> schemathesis.Config:
    """Requests that end in time: event streams are read for a bounded time and count."""
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "request-timeout": 10,
            "operations": [
                {
                    "include-path-regex": "/stream$",
                    "request-timeout": STREAM_TIMEOUT_S,
                    "max-stream-events": STREAM_EVENTS,
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def served_spec(server: FuzzServer) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/openapi.json", trust_env=False)
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


@pytest.fixture(scope="module")
def fuzz_schema(server: FuzzServer, served_spec: dict[str, Any]) -> schemathesis.BaseSchema:
    """The schema exactly as the running app serves it."""
    return schemathesis.openapi.from_dict(served_spec, config=fuzz_config(server.base_url))


def speed_prefix(path: str) -> str:
    """The prefix a path is fuzzed under: the three take turns, so each is exercised."""
    return SPEED_PREFIXES[sum(path.encode()) % len(SPEED_PREFIXES)]


@pytest.fixture(scope="module")
def prefixed_schema(server: FuzzServer, served_spec: dict[str, Any]) -> schemathesis.BaseSchema:
    """Every `/mj` operation again, under one of the speed-mode prefixes."""
    spec = copy.deepcopy(served_spec)
    prefixed: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        if path.startswith("/mj/") and not path.startswith("/mj/image/"):
            for operation in item.values():
                operation["operationId"] = "speed_" + operation["operationId"]
            prefixed[speed_prefix(path) + path] = item
    spec["paths"] = prefixed
    return schemathesis.openapi.from_dict(spec, config=fuzz_config(server.base_url))
