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
import signal
import sys
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def child(name: str, *argv: str, stdout: bool = False) -> AsyncIterator[Child]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        stdout=asyncio.subprocess.PIPE if stdout else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=clean_env(),
    )
    running = Child(name, process)
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def sandbox(
    *, accounts: int = 1, speed: float = 20, plan: str = "pro", tile_px: int = 64
) -> AsyncIterator[tuple[Child, dict[str, Any]]]:
    """A standalone `mjproxy sandbox`, and what it printed (URLs, accounts with tokens)."""
    argv = ["-m", "mjproxy", "sandbox", "--json", "--accounts", str(accounts)]
    argv += ["--speed", str(speed), "--plan", plan, "--tile-px", str(tile_px)]
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
