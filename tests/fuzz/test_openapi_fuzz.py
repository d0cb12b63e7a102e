"""schemathesis against the served `/openapi.json`: every operation, bounded and seeded.

The app runs behind a real socket (tests/fuzz/server.py). Every generated request must get
a reply that is no 5xx, matches what the schema documents for its status, and, when it is
an error, is a JSON object with a `code` and a sentence saying what is wrong; no reply may
repeat a secret (tests/fuzz/checks.py). A refused request changes nothing. Each operation
gets valid requests, invalid ones (negative mode), its documented examples, and requests
that name the seeded tasks and accounts; then the same again under a speed-mode prefix,
and without a key or with a wrong one. See docs/api.md ("Fuzzing").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.api.test_openapi import ENDPOINTS
from tests.fuzz.checks import CHECKS, is_refusal, refused_for_the_key
from tests.fuzz.conftest import EXAMPLES, SEED, speed_prefix
from tests.fuzz.server import ADMIN_KEY, API_KEY, FuzzServer

OPERATIONS = sorted(ENDPOINTS, key=lambda operation: (operation[1], operation[0]))
SPEED_OPERATIONS = [op for op in OPERATIONS if op[1].startswith("/mj/") and "/image/" not in op[1]]
WRONG_KEY = "wrong-key-5d1e9a77c0"
# Header sets that must not open key-protected routes; the API key opens all but /mj/admin.
KEYS: dict[str, tuple[dict[str, str], Callable[[str], bool]]] = {
    "no key": ({}, lambda path: True),
    "a wrong key": ({"mj-api-secret": WRONG_KEY}, lambda path: True),
    "a wrong bearer": ({"Authorization": f"Bearer {WRONG_KEY}"}, lambda path: True),
    "the API key": ({"mj-api-secret": API_KEY}, lambda path: "/mj/admin/" in path),
}
ADMIN = {"mj-api-secret": ADMIN_KEY}


def _label(operation: tuple[str, str]) -> str:
    return f"{operation[0].upper()} {operation[1]}"


def _seeded_strategies(operation: Any, server: FuzzServer) -> list[Any]:
    """Requests naming what exists, so they get past the "unknown id" answers."""
    seeded = server.seeded
    names = {parameter.name for parameter in operation.path_parameters}
    strategies = []
    if "task_id" in names:
        for task_id in (seeded.finished_task, seeded.running_task):
            strategies.append(operation.as_strategy(path_parameters={"task_id": task_id}))
    if "account_id" in names:
        for account_id in seeded.account_ids:
            strategies.append(operation.as_strategy(path_parameters={"account_id": account_id}))
    if operation.body:
        finished = seeded.finished_task
        strategies.append(operation.as_strategy().map(lambda case: _naming(case, finished)))
    return strategies


def _naming(case: schemathesis.Case, task_id: str) -> schemathesis.Case:
    if isinstance(case.body, dict) and "taskId" in case.body:
        case.body = {**case.body, "taskId": task_id}
    return case


def strategy_for(operation: Any, server: FuzzServer) -> Any:
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.path_parameters or operation.query or operation.body:
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    strategies += operation.get_strategies_from_examples()
    strategies += _seeded_strategies(operation, server)
    return st.one_of(strategies)


class StateWatch:
    """What a refused request must leave alone: tasks, accounts and the banned-word list."""

    def __init__(self, base_url: str) -> None:
        # A fresh connection per request: on a kept-alive one each reply here waits ~40 ms
        # for a delayed ACK, which would dominate the fuzzer's time.
        headers = {**ADMIN, "Connection": "close"}
        self.client = httpx.Client(base_url=base_url, headers=headers, trust_env=False)

    def snapshot(self) -> tuple[str, ...]:
        tasks = self.client.get("/mj/task/list", params={"limit": 1})
        accounts = self.client.get("/mj/admin/accounts").json()
        words = self.client.get("/mj/admin/banned-words").json()
        shown = sorted(f"{a['id']}:{a['enable']}:{a['weight']}:{a['remark']}" for a in accounts)
        return (tasks.headers["X-Total-Count"], *shown, *words["words"])


def fuzz(
    strategy: Any,
    *,
    headers: dict[str, str],
    examples: int,
    checks: list[Any],
    watch: StateWatch | None = None,
) -> None:
    """Send `examples` generated requests (the same ones every run) and check every reply."""

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=examples,
        derandomize=False,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        watched = watch if watch and case.method.upper() != "GET" else None
        before = watched.snapshot() if watched else None
        response = case.call_and_validate(headers=headers, checks=checks)
        if watched and (response.status_code >= 400 or is_refusal(response)):
            assert watched.snapshot() == before, f"a refused request changed something: {case}"

    run()


@pytest.fixture(scope="module")
def watch(server: FuzzServer) -> Iterator[StateWatch]:
    state = StateWatch(server.base_url)
    yield state
    state.client.close()


def test_every_served_operation_is_fuzzed(fuzz_schema: schemathesis.BaseSchema) -> None:
    served = {
        (result.ok().method.lower(), result.ok().path)
        for result in fuzz_schema.get_all_operations()
    }
    assert served == set(OPERATIONS)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("operation", OPERATIONS, ids=_label)
def test_fuzz_with_the_admin_key(
    fuzz_schema: schemathesis.BaseSchema,
    server: FuzzServer,
    watch: StateWatch,
    operation: tuple[str, str],
) -> None:
    method, path = operation
    api_operation = fuzz_schema[path][method.upper()]
    strategy = strategy_for(api_operation, server)
    fuzz(strategy, headers=ADMIN, examples=EXAMPLES, checks=CHECKS, watch=watch)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("operation", SPEED_OPERATIONS, ids=_label)
def test_fuzz_under_a_speed_prefix(
    prefixed_schema: schemathesis.BaseSchema, server: FuzzServer, operation: tuple[str, str]
) -> None:
    method, path = operation
    api_operation = prefixed_schema[speed_prefix(path) + path][method.upper()]
    strategy = strategy_for(api_operation, server)
    fuzz(strategy, headers=ADMIN, examples=max(EXAMPLES // 3, 2), checks=CHECKS)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("keys", list(KEYS))
def test_fuzz_without_the_right_key(
    fuzz_schema: schemathesis.BaseSchema, server: FuzzServer, watch: StateWatch, keys: str
) -> None:
    """Key-protected routes answer 401 JSON, echo no key, and change nothing."""
    headers, is_refused = KEYS[keys]
    for method, path in OPERATIONS:
        operation = fuzz_schema[path][method.upper()]
        refused = path.startswith("/mj/") and "/image/" not in path and is_refused(path)
        checks = [*CHECKS, refused_for_the_key] if refused else CHECKS
        strategy = strategy_for(operation, server)
        fuzz(strategy, headers=headers, examples=3, checks=checks, watch=watch)
