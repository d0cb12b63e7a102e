"""Submit under load: 200 clients submitting imagine at once to a proxy backed by the sandbox.

`python -m bench.submit_load` starts a sandbox (4 Pro accounts, speed 20: an imagine takes
about 1.1 s) and `mjproxy serve` pointed at it, each as its own process. This process opens
200 keep-alive connections, releases them together, and each client submits 3 imagines one
after another; every reply must be HTTP 200 with code 1 (running at once) or 22 (queued).
The queue is sized so that no submit may be refused with 23. Then it waits until every task
has finished (at most a minute), polling list-by-condition, so the figures are taken from a
proxy that really runs its work while it accepts more.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench import harness
from bench.loadgen import post_json, read_response

CLIENTS = 200
SUBMITS_PER_CLIENT = 3
ACCOUNTS = 4
RUNNING = 12  # a Pro plan's fast jobs at once
QUEUED = 200  # per account: 4 × (12 + 200) > 600, so no submit can meet a full queue
SPEED = 20
DRAIN_S = 60.0
TILE_PX = 32
ACCEPTED_CODES = {1, 22}


class Tally:
    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.codes: Counter[str] = Counter()
        self.task_ids: list[str] = []
        self.errors: list[str] = []

    def record(self, started: float, status: int, body: bytes) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        try:
            reply = json.loads(body)
        except ValueError:
            self.errors.append(f"HTTP {status}: {body[:200]!r}")
            return
        code = reply.get("code") if isinstance(reply, dict) else None
        self.codes[str(code)] += 1
        if status != 200 or code not in ACCEPTED_CODES:
            self.errors.append(f"HTTP {status}: {reply}")
        elif reply.get("result"):
            self.task_ids.append(str(reply["result"]))


async def client(number: int, port: int, go: asyncio.Event, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await go.wait()
        for turn in range(SUBMITS_PER_CLIENT):
            prompt = f"a lighthouse on a cliff, client {number} turn {turn} --ar 3:2"
            request = post_json("/mj/submit/imagine", json.dumps({"prompt": prompt}).encode())
            started = time.perf_counter()
            writer.write(request)
            try:
                status, body = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                tally.errors.append(f"connection: {exc!r}")
                return
            tally.record(started, status, body)
    finally:
        writer.close()


async def burst(base_url: str) -> tuple[Tally, float]:
    tally = Tally()
    go = asyncio.Event()
    port = int(base_url.rsplit(":", 1)[1])
    clients = [asyncio.create_task(client(n, port, go, tally)) for n in range(CLIENTS)]
    await asyncio.sleep(0.5)  # every connection open before the burst
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*clients)
    return tally, time.perf_counter() - started


async def drain(base_url: str, task_ids: list[str]) -> tuple[Counter[str], float]:
    """Poll until every task finished (or `DRAIN_S`); the final statuses and the time taken."""
    started = time.perf_counter()
    statuses: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as http:
        while time.perf_counter() - started < DRAIN_S:
            statuses.clear()
            for start in range(0, len(task_ids), 100):
                chunk = task_ids[start : start + 100]
                reply = await http.post("/mj/task/list-by-condition", json={"ids": chunk})
                statuses.update(task["status"] for task in reply.json())
            if sum(statuses[s] for s in ("SUCCESS", "FAILURE", "CANCEL")) == len(task_ids):
                break
            await asyncio.sleep(0.5)
    return statuses, time.perf_counter() - started


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="mjproxy-bench-") as directory:
        async with harness.sandbox(accounts=ACCOUNTS, speed=SPEED, plan="pro", tile_px=TILE_PX) as (
            _,
            described,
        ):
            limits = {"FAST": {"running": RUNNING, "queued": QUEUED}}
            config = harness.sandbox_config(described, limits=limits)
            async with harness.proxy(Path(directory), config, ready_accounts=ACCOUNTS) as (
                _,
                base_url,
            ):
                print(f"machine: {harness.load_average()} (before)")
                tally, seconds = await burst(base_url)
                print(f"machine: {harness.load_average()} (after the burst)")
                statuses, drained_s = await drain(base_url, tally.task_ids)
    report(tally, seconds, statuses, drained_s)


def report(tally: Tally, seconds: float, statuses: Counter[str], drained_s: float) -> None:
    total = CLIENTS * SUBMITS_PER_CLIENT
    p50, p99 = (harness.percentile(tally.latencies_ms, p) for p in (0.5, 0.99))
    worst = max(tally.latencies_ms, default=float("nan"))
    print(
        f"{CLIENTS} clients × {SUBMITS_PER_CLIENT} imagines = {total} submits in {seconds:.1f} s "
        f"({len(tally.latencies_ms) / seconds:.0f} submits/s); {ACCOUNTS} sandbox accounts × "
        f"{RUNNING} running + {QUEUED} queued, speed {SPEED}"
    )
    print(f"submit latency: p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {worst:.1f} ms")
    print(f"reply codes: {dict(sorted(tally.codes.items()))}   errors: {len(tally.errors)}")
    for error in tally.errors[:5]:
        print(f"  error: {error}")
    print(f"afterwards: {dict(sorted(statuses.items()))} within {drained_s:.1f} s")
    print(
        f"SUMMARY submit_load: {total} imagines from {CLIENTS} concurrent clients, submit p50 "
        f"{p50:.0f} ms p99 {p99:.0f} ms, {len(tally.errors)} errors "
        f"(codes {dict(sorted(tally.codes.items()))}); {statuses['SUCCESS']}/{total} "
        f"succeeded within {drained_s:.0f} s"
    )
    if tally.errors or len(tally.latencies_ms) != total:
        raise SystemExit(1)


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
