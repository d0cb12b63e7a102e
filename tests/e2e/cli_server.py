"""Run `python -m mjproxy serve --port 0` as a child process and find the port it got."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
_DEADLINE_S = 30.0


@dataclass
class ServerProcess:
    base_url: str
    process: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)

    async def wait_for_line(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """Read the server's log until a line matches (under a deadline)."""
        assert self.process.stderr is not None
        for line in self.output:
            if match := pattern.search(line):
                return match
        async with asyncio.timeout(_DEADLINE_S):
            while True:
                line = (await self.process.stderr.readline()).decode()
                if not line:
                    raise AssertionError("the server exited:\n" + "".join(self.output))
                self.output.append(line)
                if match := pattern.search(line):
                    return match


@asynccontextmanager
async def serve_cli(data_dir: Path, *args: str, **environ: str) -> AsyncIterator[ServerProcess]:
    """Start the server with a clean MJPROXY_* environment plus `environ`; stop it with SIGINT."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MJPROXY_")}
    env.update(environ)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mjproxy", "serve", "--port", "0", "--data-dir", str(data_dir),
        *args, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    server = ServerProcess(base_url="", process=process)
    try:
        port = (await server.wait_for_line(_RUNNING)).group(1)
        server.base_url = f"http://127.0.0.1:{port}"
        yield server
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await server.wait_for_line(re.compile("mjproxy stopped after"))
        await asyncio.wait_for(process.wait(), _DEADLINE_S)
