"""Scale: 1 000 sandbox accounts on one proxy process. Run with `python -m bench.scale`.

A standalone sandbox (`mjproxy sandbox`, its own process) plays 1 000 Standard subscribers;
an `mjproxy serve` process (SQLite, default settings, accounts from its config file)
connects to all of them over real sockets. Measured on the proxy process alone (/proc):

- connect time: from the process start until every account is `ready`, next to the start
  time of the same server with no account;
- resident memory per account: (RSS with the accounts − RSS of the server with none) ÷ N,
  both read after the server settled (every account's /info and /settings read);
- CPU while idle: CPU seconds ÷ wall seconds over a window with nothing but heartbeats
  (Discord's 41.25 s interval, so ~24 heartbeats a second in all);
- throughput with every account busy: 1 imagine task per account submitted at once, tasks
  completed per second from the first submit to the last SUCCESS.
"""

from __future__ import annotations

import asyncio
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
    raise_file_limit,
    rss_bytes,
    sandbox,
    wait_all_ready,
    workdir,
)

ACCOUNTS = 1000
TASKS_PER_ACCOUNT = 1  # every account busy, and the run stays within ~3 min
JOB_TIME_S = 10.0
IDLE_WINDOW_S = 25.0
SETTLE_S = 5.0
FACTS_TIMEOUT_S = 150.0
SUBMITTERS = 64


def _client(base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, headers=ADMIN_HEADERS, trust_env=False, **kwargs)


async def _empty_server(directory: Path, described: dict[str, Any]) -> tuple[float, int]:
    """Start time and settled RSS of the same server with no account."""
    config = pool_config(described)
    config["accounts"] = []
    started = time.monotonic()
    async with proxy(directory, config) as (server, _url):
        start_s = time.monotonic() - started
        await asyncio.sleep(SETTLE_S)
        return start_s, rss_bytes(server.process.pid)


async def _facts_read(base_url: str, started: float) -> float:
    """Seconds from the process start until every account's facts (/info, /settings, which
    the proxy asks one account after another once it is ready) are in; if some never come,
    says how many did."""
    read = 0
    async with _client(base_url, timeout=60) as client:
        deadline = time.monotonic() + FACTS_TIMEOUT_S
        while time.monotonic() < deadline:
            accounts = (await client.get("/mj/account/list")).json()
            read = sum(1 for account in accounts if account["facts"]["updatedAt"])
            if read == len(accounts):
                return time.monotonic() - started
            await asyncio.sleep(1.0)
    print(f"only {read} of {ACCOUNTS} accounts had their facts read after {FACTS_TIMEOUT_S:g} s")
    return time.monotonic() - started


async def _idle_cpu(pid: int) -> float:
    before_cpu, before = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(IDLE_WINDOW_S)
    return (cpu_seconds(pid) - before_cpu) / (time.monotonic() - before)


async def _busy_throughput(pid: int, base_url: str) -> tuple[int, float, float]:
    """(tasks, seconds from the first submit to the last SUCCESS, proxy CPU seconds)."""
    total = ACCOUNTS * TASKS_PER_ACCOUNT
    limits = httpx.Limits(max_connections=SUBMITTERS)
    async with _client(base_url, timeout=120, limits=limits) as client:
        gate = asyncio.Semaphore(SUBMITTERS)

        async def submit(number: int) -> str:
            async with gate:
                response = await client.post(
                    "/mj/submit/imagine", json={"prompt": f"bench scale {number} a harbour"}
                )
            body: dict[str, Any] = response.json()
            if body.get("code") not in (1, 22):
                raise RuntimeError(f"submit {number} refused: {body}")
            return str(body["result"])

        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        ids = await asyncio.gather(*(submit(n) for n in range(total)))
        print(f"{total} tasks submitted in {time.monotonic() - started:.1f} s")
        pending = set(ids)
        deadline = started + 180
        while pending and time.monotonic() < deadline:
            await asyncio.sleep(max(0.05, len(pending) / 1000))
            response = await client.post(
                "/mj/task/list-by-condition", json={"ids": sorted(pending)}
            )
            for task in response.json():
                if task["status"] == "SUCCESS":
                    pending.discard(task["id"])
                elif task["status"] in ("FAILURE", "CANCEL"):
                    raise RuntimeError(f"task {task['id']} ended {task['status']}: {task}")
        if pending:
            raise RuntimeError(f"{len(pending)} of {total} tasks never finished")
        return total, time.monotonic() - started, cpu_seconds(pid) - cpu_before


async def _run(directory: Path) -> str:
    async with sandbox(accounts=ACCOUNTS, plan="standard", speed=1000, job_time_s=JOB_TIME_S) as (
        _peer,
        described,
    ):
        empty_start_s, empty_rss = await _empty_server(directory / "empty", described)
        empty_mib = empty_rss / 2**20
        print(f"server with no account: up in {empty_start_s:.1f} s, RSS {empty_mib:.0f} MiB")
        config = pool_config(described)
        config["scheduler"] = {"queued": TASKS_PER_ACCOUNT}
        started = time.monotonic()
        async with proxy(directory / "full", config) as (server, base_url):
            pid = server.process.pid
            async with _client(base_url, timeout=60) as client:
                await wait_all_ready(client, ACCOUNTS, timeout_s=180)
            connect_s = time.monotonic() - started
            print(f"{ACCOUNTS} accounts: all ready {connect_s:.1f} s after the process started")
            facts_s = await _facts_read(base_url, started)
            print(f"every account's /info and /settings read {facts_s:.1f} s after the start")
            await asyncio.sleep(SETTLE_S)
            rss = rss_bytes(pid)
            per_account = (rss - empty_rss) / ACCOUNTS
            print(f"RSS {rss / 2**20:.0f} MiB: {per_account / 1024:.0f} KiB per account")
            idle = await _idle_cpu(pid)
            print(f"CPU while idle (heartbeats only, {IDLE_WINDOW_S:.0f} s): {idle:.1%} of a core")
            tasks, seconds, cpu_s = await _busy_throughput(pid, base_url)
            rate = tasks / seconds
            print(
                f"all busy: {tasks} tasks ({TASKS_PER_ACCOUNT} per account, d={JOB_TIME_S:g} s) "
                f"in {seconds:.1f} s = {rate:.1f} tasks/s; "
                f"proxy CPU {cpu_s / seconds:.0%} of a core"
            )
    print(f"machine: {load_average()}")
    return (
        f"SUMMARY scale: {ACCOUNTS} accounts ready in {connect_s:.1f} s, "
        f"{per_account / 1024:.0f} KiB RSS per account, idle CPU {idle:.1%}, "
        f"all busy {rate:.1f} tasks/s"
    )


def main() -> None:
    limit = raise_file_limit()
    if limit < 3 * ACCOUNTS:
        raise SystemExit(f"open files are limited to {limit}; {ACCOUNTS} accounts need more")
    with workdir("scale") as directory:
        (directory / "empty").mkdir(exist_ok=True)
        (directory / "full").mkdir(exist_ok=True)
        summary = asyncio.run(_run(directory))
    print(summary)


if __name__ == "__main__":
    main()
