"""API overhead: what a fetch and a 100-id list-by-condition cost the proxy, against a bare
app on the same server stack that answers with constant task JSON.

`python -m bench.api_overhead` stores 100 000 finished tasks in a fresh SQLite file (in bulk,
through the store's own table), starts `mjproxy serve` on it and `bench.bare_app`, each as
its own process, and loads both from this process with keep-alive connections
(`bench/loadgen.py`), alternating bare and proxy rounds so a change in machine load hits both.
`--database postgresql://…/postgres` runs the proxy on a fresh PostgreSQL database instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench import harness
from bench.loadgen import LoadResult, get, post_json, run_load
from bench.sample_tasks import FIRST_ID, sample_task
from mjproxy.store.rows import task_to_row
from mjproxy.store.sql import open_store
from mjproxy.store.tables import tasks
from mjproxy.store.urls import async_url

TASKS = 100_000
LIST_IDS = 100
POLLED = 20_000
CONNECTIONS = 16
SECONDS = 4.0
ROUNDS = 2
_CHUNK = 5_000


async def fill(url: str) -> float:
    """Store `TASKS` finished tasks in bulk; returns the seconds it took."""
    started = time.perf_counter()
    store = await open_store(url)
    try:
        for start in range(0, TASKS, _CHUNK):
            rows = [task_to_row(sample_task(n)) for n in range(start, start + _CHUNK)]
            async with store.engine.begin() as connection:
                await connection.execute(insert(tasks), rows)
    finally:
        await store.aclose()
    return time.perf_counter() - started


def requests(rng: random.Random) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Fetches of random tasks; 200 polls of 100 random ids among the first `POLLED` tasks,
    asked again and again as aggregators do; and polls of ids never asked before (the
    rest of the tasks, each once)."""
    fetches = [get(f"/mj/task/{FIRST_ID + rng.randrange(TASKS)}/fetch") for _ in range(2000)]
    polls = [_list([rng.randrange(POLLED) for _ in range(LIST_IDS)]) for _ in range(200)]
    fresh = [_list(range(n, n + LIST_IDS)) for n in range(POLLED, TASKS, LIST_IDS)]
    return fetches, polls, fresh


def _list(numbers: Iterable[int]) -> bytes:
    ids = [str(FIRST_ID + n) for n in numbers]
    return post_json("/mj/task/list-by-condition", json.dumps({"ids": ids}).encode())


async def check(base_url: str) -> None:
    """The proxy really answers from the stored tasks (a wrong setup would measure 404s)."""
    ids = [str(FIRST_ID + n) for n in (0, TASKS // 2, TASKS - 1)]
    async with httpx.AsyncClient(base_url=base_url, trust_env=False) as client:
        one = (await client.get(f"/mj/task/{ids[1]}/fetch")).json()
        many = (await client.post("/mj/task/list-by-condition", json={"ids": ids})).json()
    if one["id"] != ids[1] or one["status"] != "SUCCESS":
        raise RuntimeError(f"fetch answered {one}")
    if [task["id"] for task in many] != ids:
        raise RuntimeError(f"list-by-condition answered {many}")


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


async def measure(
    label: str, bare_url: str, proxy_url: str, batch: list[bytes]
) -> tuple[LoadResult, LoadResult]:
    """Alternating rounds on the bare app and the proxy, merged per side."""
    sides: dict[str, list[LoadResult]] = {"bare": [], "proxy": []}
    for _ in range(ROUNDS):
        for side, url in (("bare", bare_url), ("proxy", proxy_url)):
            sides[side].append(
                await run_load(
                    "127.0.0.1", _port(url), batch, connections=CONNECTIONS, seconds=SECONDS
                )
            )
    bare, proxy = (_merge(sides[side]) for side in ("bare", "proxy"))
    print(bare.line(f"{label}: bare app"))
    print(proxy.line(f"{label}: mjproxy"))
    print(
        f"{label}: mjproxy/bare  throughput {proxy.per_second / bare.per_second:.2f}x   "
        f"p50 {proxy.p(0.5) / bare.p(0.5):.1f}x   p99 {proxy.p(0.99) / bare.p(0.99):.1f}x"
    )
    return bare, proxy


async def measure_fresh(proxy_url: str, batch: list[bytes], bare: LoadResult) -> LoadResult:
    """One round, no warm-up, on ids nobody asked for before (nothing cached)."""
    fresh = await run_load(
        "127.0.0.1", _port(proxy_url), batch, connections=CONNECTIONS, seconds=SECONDS, warmup_s=0
    )
    if len(fresh.latencies_ms) > len(batch):
        print("(the fresh ids ran out: the last requests repeated some)")
    label = f"list-by-condition ({LIST_IDS} new ids)"
    print(fresh.line(f"{label}: mjproxy"))
    print(
        f"{label}: mjproxy/bare  throughput {fresh.per_second / bare.per_second:.2f}x   "
        f"p50 {fresh.p(0.5) / bare.p(0.5):.1f}x   p99 {fresh.p(0.99) / bare.p(0.99):.1f}x"
    )
    return fresh


def _merge(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult(seconds=sum(r.seconds for r in results))
    for result in results:
        merged.latencies_ms += result.latencies_ms
        merged.errors += result.errors
    return merged


async def fresh_database(server_url: str) -> tuple[str, str]:
    """A new database on the server of `server_url`: (its URL, its name)."""
    name = f"mjproxy_b_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    return str(make_url(server_url).set(database=name).render_as_string(False)), name


async def _admin(server_url: str, statement: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def run(database: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="mjproxy-bench-") as directory:
        data_dir = Path(directory)
        dropped: str | None = None
        if database:
            url, dropped = await fresh_database(database)
        else:
            url = f"sqlite:///{data_dir / 'mjproxy.db'}"
        try:
            await _run_on(url, data_dir)
        finally:
            if dropped and database:
                await _admin(database, f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


async def _run_on(url: str, data_dir: Path) -> None:
    backend = make_url(url).get_backend_name()
    seconds = await fill(url)
    print(f"stored {TASKS} tasks in {seconds:.1f} s ({backend})")
    fetches, polls, fresh = requests(random.Random(5))
    config = {"database_url": url}
    async with (
        harness.proxy(data_dir, config) as (_, proxy_url),
        harness.child("bare app", "-m", "bench.bare_app") as bare,
    ):
        bare_url = f"http://127.0.0.1:{(await bare.wait_for(harness.RUNNING)).group(1)}"
        await check(proxy_url)
        print(f"{CONNECTIONS} keep-alive connections, {ROUNDS}×{SECONDS:.0f} s per side")
        print(f"machine: {harness.load_average()} (before)")
        bare_fetch, fetch = await measure("fetch", bare_url, proxy_url, fetches)
        bare_list, proxy_list = await measure(
            f"list-by-condition ({LIST_IDS} ids, polled again)", bare_url, proxy_url, polls
        )
        fresh_list = await measure_fresh(proxy_url, fresh, bare_list)
        print(f"machine: {harness.load_average()} (after)")
    print(
        f"SUMMARY api_overhead ({backend}, {TASKS} tasks): fetch {fetch.per_second:.0f} req/s "
        f"p50 {fetch.p(0.5):.1f} ms p99 {fetch.p(0.99):.1f} ms = "
        f"{fetch.per_second / bare_fetch.per_second:.2f}x bare throughput; list-by-condition "
        f"polled again {proxy_list.per_second:.0f} req/s p50 {proxy_list.p(0.5):.1f} ms "
        f"p99 {proxy_list.p(0.99):.1f} ms = "
        f"{proxy_list.per_second / bare_list.per_second:.2f}x bare, new ids "
        f"{fresh_list.per_second:.0f} req/s = {fresh_list.per_second / bare_list.per_second:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", help="a PostgreSQL server URL (its database is used to create a new one)"
    )
    args = parser.parse_args()
    asyncio.run(run(args.database))


if __name__ == "__main__":
    main()
