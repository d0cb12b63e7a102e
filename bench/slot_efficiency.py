"""Slot efficiency: do N accounts with c slots each finish M jobs as fast as slots allow?
Run with `python -m bench.slot_efficiency`.

A standalone sandbox (`mjproxy sandbox`, its own process) plays N Standard subscribers
(c = 3 fast slots each) whose jobs take a fixed d seconds; an `mjproxy serve` process
(SQLite, default settings but a waiting line long enough for M tasks) drives them over real
sockets. M imagine tasks are submitted at once through the HTTP API. Figures:

- makespan ÷ ideal: from the first submit to the client seeing the last task SUCCESS,
  against ⌈M / (N·c)⌉ · d, the best any scheduler could do;
- busy share: the slot-time the sandbox says its jobs ran (each job's start to result,
  from its own record) ÷ N·c·makespan;
- idle slot-time per job: what the proxy lost between one job's end and the next start.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    ADMIN_HEADERS,
    cpu_seconds,
    load_average,
    pool_config,
    proxy,
    sandbox,
    wait_all_ready,
    workdir,
)

ACCOUNTS = 20  # N
SLOTS = 3  # c: a Standard plan's fast jobs at once
TASKS = 600  # M
JOB_TIME_S = 4.0  # d
SUBMITTERS = 32  # concurrent client connections submitting
# The client polls the unfinished tasks; fewer left, more often (every 50 ms for the last
# ones), so watching costs the server about the same at every moment.
POLL_TASKS_PER_S = 600
POLL_MIN_S = 0.05


async def _submit_all(client: httpx.AsyncClient) -> list[str]:
    gate = asyncio.Semaphore(SUBMITTERS)

    async def one(number: int) -> str:
        async with gate:
            response = await client.post(
                "/mj/submit/imagine", json={"prompt": f"bench slot {number} a lighthouse"}
            )
        body = response.json()
        if response.status_code != 200 or body.get("code") not in (1, 22):
            raise RuntimeError(f"submit {number} refused: {response.status_code} {body}")
        return str(body["result"])

    return list(await asyncio.gather(*(one(n) for n in range(TASKS))))


async def _wait_finished(client: httpx.AsyncClient, ids: list[str]) -> float:
    """Poll until every task is terminal; returns time.time() when the last was seen."""
    pending = set(ids)
    deadline = time.monotonic() + 20 * JOB_TIME_S * math.ceil(TASKS / (ACCOUNTS * SLOTS))
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} tasks never finished")
        response = await client.post("/mj/task/list-by-condition", json={"ids": sorted(pending)})
        now = time.time()
        for task in response.json():
            if task["status"] in ("SUCCESS", "FAILURE", "CANCEL"):
                if task["status"] != "SUCCESS":
                    raise RuntimeError(f"task {task['id']} ended {task['status']}: {task}")
                pending.discard(task["id"])
        if not pending:
            return now
        await asyncio.sleep(max(POLL_MIN_S, len(pending) / POLL_TASKS_PER_S))
    return time.time()


def _report(jobs: list[dict[str, Any]], *, t0: float, t_end: float, proxy_cpu_s: float) -> str:
    imagines = [j for j in jobs if j["kind"] == "imagine" and j["status"] == "succeeded"]
    if len(imagines) != TASKS:
        raise RuntimeError(f"the sandbox ran {len(imagines)} imagine jobs, expected {TASKS}")
    rounds = math.ceil(TASKS / (ACCOUNTS * SLOTS))
    ideal = rounds * JOB_TIME_S
    makespan = t_end - t0
    last_result = max(j["ended_ms"] for j in imagines) / 1000 - t0
    durations = [(j["ended_ms"] - j["started_ms"]) / 1000 for j in imagines]
    busy = sum(durations)
    slot_time = ACCOUNTS * SLOTS * makespan
    first_start = min(j["started_ms"] for j in imagines) / 1000 - t0
    print(f"N={ACCOUNTS} accounts × c={SLOTS} slots, M={TASKS} imagine tasks, d={JOB_TIME_S:g} s")
    print(f"ideal makespan ⌈M/(N·c)⌉·d = {rounds} × {JOB_TIME_S:g} s = {ideal:.1f} s")
    print(f"makespan (first submit → client sees the last SUCCESS) {makespan:8.2f} s")
    print(f"  … to the sandbox's last result                       {last_result:8.2f} s")
    print(f"  first job started after                              {first_start * 1000:8.0f} ms")
    median_d = statistics.median(durations)
    print(f"job time in the sandbox: median {median_d:.3f} s, max {max(durations):.3f} s")
    # A busy machine stretches the sandbox's own sleeps too; against the job time it really
    # took, the ratio shows the proxy's share alone.
    print(f"makespan ÷ ⌈M/(N·c)⌉ × median job time                 "
          f"{makespan / (rounds * median_d):8.3f}x")  # fmt: skip
    print(f"slot-time busy (sandbox record)                        {busy / slot_time:8.1%}")
    print(f"idle slot-time per job                                 "
          f"{(slot_time - busy) / TASKS * 1000:8.0f} ms")  # fmt: skip
    print(f"proxy CPU during the run {proxy_cpu_s:.1f} s ({proxy_cpu_s / makespan:.0%} of a core)")
    print(f"machine: {load_average()}")
    return (
        f"SUMMARY slot_efficiency: makespan {makespan / ideal:.3f}x ideal "
        f"(N={ACCOUNTS}, c={SLOTS}, M={TASKS}, d={JOB_TIME_S:g} s), "
        f"slots {busy / slot_time:.1%} busy, "
        f"{makespan / (rounds * median_d):.3f}x against the sandbox's median job time"
    )


async def _run(directory: Path) -> str:
    async with (
        sandbox(accounts=ACCOUNTS, plan="standard", speed=1000, job_time_s=JOB_TIME_S) as (
            _peer,
            described,
        ),
        proxy(directory, _config(described)) as (server, base_url),
    ):
        return await _measure(server.process.pid, base_url, peer_jobs(described), directory)


def peer_jobs(described: dict[str, Any]) -> str:
    return described["urls"]["control"] + "/jobs"


def _config(described: dict[str, Any]) -> dict[str, Any]:
    # Default settings (no pause between submits, 3 running per account), except the
    # waiting line: its default (10 per account) would refuse most of M tasks with code 23,
    # a deliberate bound, so the benchmark sizes it to hold M.
    config = pool_config(described)
    config["scheduler"] = {"running": SLOTS, "queued": math.ceil(TASKS / ACCOUNTS)}
    if os.environ.get("BENCH_DATABASE_URL"):
        config["database_url"] = os.environ["BENCH_DATABASE_URL"]
    return config


async def _measure(pid: int, base_url: str, jobs_url: str, directory: Path) -> str:
    limits = httpx.Limits(max_connections=SUBMITTERS)
    async with httpx.AsyncClient(
        base_url=base_url, headers=ADMIN_HEADERS, timeout=60, limits=limits, trust_env=False
    ) as client:
        await wait_all_ready(client, ACCOUNTS, timeout_s=60)
        await asyncio.sleep(1.0)  # let /info and /settings at connect settle
        cpu_before = cpu_seconds(pid)
        t0 = time.time()
        ids = await _submit_all(client)
        print(f"{TASKS} tasks submitted in {time.time() - t0:.2f} s")
        t_end = await _wait_finished(client, ids)
        proxy_cpu_s = cpu_seconds(pid) - cpu_before
        jobs = (await client.get(jobs_url)).json()
    # Kept beside the proxy's database, for reading a run's timeline afterwards.
    (directory / "run.json").write_text(json.dumps({"t0": t0, "ids": ids, "jobs": jobs}))
    return _report(jobs, t0=t0, t_end=t_end, proxy_cpu_s=proxy_cpu_s)


def main() -> None:
    with workdir("slot_efficiency") as directory:
        summary = asyncio.run(_run(directory))
    print(summary)


if __name__ == "__main__":
    main()
