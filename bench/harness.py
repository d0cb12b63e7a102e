"""Real processes for benchmarks: a standalone sandbox, the proxy pointed at it, and helpers.

Each peer runs as its own `python -m ...` child, so a benchmark's load generator (the
benchmark process itself) never shares an event loop or a core with what it measures. Every
port is chosen by the OS (port 0) and read back from the child's output. A child's output is
drained continuously (a busy server logs a lot; an undrained pipe would stall it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import resource
import signal
import sys
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import yaml

RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
DEADLINE_S = 60.0


class Child:
    """A child process whose stderr lines are kept (the last few thousand) and searchable."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self.lines: deque[str] = deque(maxlen=5000)
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    async def wait_for(self, pattern: re.Pattern[str], *, count: int = 1) -> re.Match[str]:
        """The `count`-th line matching `pattern` (waiting for it under a deadline)."""
        async with asyncio.timeout(DEADLINE_S):
            while True:
                matches = [m for line in list(self.lines) if (m := pattern.search(line))]
                if len(matches) >= count:
                    return matches[count - 1]
                if self._reader.done():
                    tail = "".join(list(self.lines)[-40:])
                    raise RuntimeError(f"{self.name} exited early:\n{tail}")
                self._changed.clear()
                await self._changed.wait()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader, 5)


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MJPROXY_")}
    env.update(extra)
    return env


PROFILE_DIR_VARIABLE = "BENCH_PROFILE_DIR"
"""When set, the proxy runs under `py-spy record` and its samples land in that directory
(`proxy.txt`, py-spy's raw collapsed stacks); the figures of such a run are not figures."""


def _command(name: str, argv: tuple[str, ...]) -> list[str]:
    command = [sys.executable, *argv]
    directory = os.environ.get(PROFILE_DIR_VARIABLE)
    if not directory or name != "proxy":
        return command
    Path(directory).mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    output = str(Path(directory) / f"{name}.txt")
    return [spy, "record", "--format", "raw", "--rate", "200", "-o", output, "--", *command]


@asynccontextmanager
async def child(name: str, *argv: str, stdout: bool = False) -> AsyncIterator[Child]:
    process = await asyncio.create_subprocess_exec(
        *_command(name, argv),
        stdout=asyncio.subprocess.PIPE if stdout else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=clean_env(),
        limit=1 << 26,  # one JSON line describes every sandbox account
    )
    running = Child(name, process)
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def sandbox(
    *,
    accounts: int = 1,
    speed: float = 20,
    plan: str = "pro",
    tile_px: int = 64,
    job_time_s: float | None = None,
) -> AsyncIterator[tuple[Child, dict[str, Any]]]:
    """A standalone `mjproxy sandbox`, and what it printed (URLs, accounts with tokens).
    `job_time_s` fixes every job's time from start to result (docs/sandbox.md, Time)."""
    argv = ["-m", "mjproxy", "sandbox", "--json", "--accounts", str(accounts)]
    argv += ["--speed", str(speed), "--plan", plan, "--tile-px", str(tile_px)]
    if job_time_s is not None:
        argv += ["--job-time-s", str(job_time_s)]
    async with child("sandbox", *argv, stdout=True) as peer:
        assert peer.process.stdout is not None
        line = await asyncio.wait_for(peer.process.stdout.readline(), DEADLINE_S)
        if not line:
            raise RuntimeError("the sandbox exited:\n" + "".join(peer.lines))
        yield peer, json.loads(line)


def sandbox_config(described: dict[str, Any], **account_fields: Any) -> dict[str, Any]:
    """Proxy settings pointing the Discord engine at a sandbox, one account per member."""
    urls = described["urls"]
    return {
        "discord": {
            "api_url": urls["api"],
            "gateway_url": urls["gateway"],
            "iframe_url": urls["api"].removesuffix("/api/v9") + "/discordsays/{application_id}",
            "sync_info_on_ready": False,
        },
        "accounts": [
            {
                "id": f"acct{number}",
                "engine": "discord",
                "channel_id": member["channel_id"],
                "guild_id": member["guild_id"],
                "user_token": member["token"],
                **account_fields,
            }
            for number, member in enumerate(described["accounts"], start=1)
        ],
    }


@asynccontextmanager
async def proxy(
    data_dir: Path, config: dict[str, Any], *, ready_accounts: int = 0
) -> AsyncIterator[tuple[Child, str]]:
    """`mjproxy serve` with `config` (written as YAML), and its base URL.

    With `ready_accounts`, waits until that many accounts' gateways are ready.
    """
    path = data_dir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    argv = ["-m", "mjproxy", "serve", "--port", "0", "--data-dir", str(data_dir)]
    async with child("proxy", *argv, "--config", str(path)) as server:
        port = (await server.wait_for(RUNNING)).group(1)
        if ready_accounts:
            await server.wait_for(re.compile(r"gateway \w+ -> ready"), count=ready_accounts)
        yield server, f"http://127.0.0.1:{port}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def load_average() -> str:
    """The 1-minute load average and core count, to note how busy the machine was."""
    try:
        one = os.getloadavg()[0]
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} on {os.cpu_count()} cores"


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of the process (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"/proc/{pid}/status has no VmRSS line")


def raise_file_limit() -> int:
    """Raise the soft limit of open files to the hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@contextmanager
def workdir(name: str) -> Iterator[Path]:
    """A scratch directory for a benchmark's config and database: `$BENCH_WORKDIR/<name>`
    when that is set (to look at it afterwards), else a temporary one."""
    kept = os.environ.get("BENCH_WORKDIR")
    if kept:
        path = Path(kept) / name
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=f"mjproxy-bench-{name}-") as directory:
        yield Path(directory)


ADMIN_KEY = "bench-admin-key"
ADMIN_HEADERS = {"mj-api-secret": ADMIN_KEY}


def pool_config(described: dict[str, Any], **account_fields: Any) -> dict[str, Any]:
    """`sandbox_config` as an operator would run it: the proxy reads /info and /settings when
    an account connects (its default), and the API wants a key (`ADMIN_HEADERS`)."""
    config = sandbox_config(described, **account_fields)
    del config["discord"]["sync_info_on_ready"]
    config["api_secret"] = "bench-api-key"
    config["admin_secret"] = ADMIN_KEY
    return config


async def wait_all_ready(client: Any, count: int, *, timeout_s: float) -> None:
    """Poll `/mj/account/list` (an httpx client with `ADMIN_HEADERS`) until `count` accounts
    are `ready`; raises RuntimeError naming the states seen when time runs out."""
    states: list[str] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            while True:
                response = await client.get("/mj/account/list")
                response.raise_for_status()
                states = [account["state"] for account in response.json()]
                if states.count("ready") >= count:
                    return
                await asyncio.sleep(0.25)
    seen = {state: states.count(state) for state in set(states)}
    raise RuntimeError(f"not all {count} accounts ready after {timeout_s:.0f} s: {seen}")
