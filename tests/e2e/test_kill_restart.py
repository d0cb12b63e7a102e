"""A server killed (SIGKILL) mid-task and started again finishes the task: real processes.

The sandbox runs standalone (`mjproxy sandbox`) so it outlives the killed server; the server
is configured exactly as an operator would point it at Discord, through `discord:` URLs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
DEADLINE_S = 40.0


@asynccontextmanager
async def process(*argv: str) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MJPROXY_")}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mjproxy", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        yield child
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(child.communicate(), DEADLINE_S)
            except TimeoutError:
                child.kill()
                await child.wait()


class Log:
    """A child's stderr, kept, so a line that went by before anyone asked is still found."""

    def __init__(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        self._stream = stream
        self.lines: list[str] = []

    async def matching(self, pattern: re.Pattern[str]) -> re.Match[str]:
        for line in self.lines:
            if match := pattern.search(line):
                return match
        async with asyncio.timeout(DEADLINE_S):
            while True:
                line = (await self._stream.readline()).decode()
                assert line, "the process exited early:\n" + "".join(self.lines)
                self.lines.append(line)
                if match := pattern.search(line):
                    return match


def write_config(path: Path, sandbox: dict[str, Any]) -> Path:
    urls, member = sandbox["urls"], sandbox["accounts"][0]
    config = {
        "discord": {
            "api_url": urls["api"],
            "gateway_url": urls["gateway"],
            "iframe_url": urls["api"].removesuffix("/api/v9") + "/discordsays/{application_id}",
            "sync_info_on_ready": False,
        },
        "accounts": [
            {
                "id": "main",
                "engine": "discord",
                "channel_id": member["channel_id"],
                "guild_id": member["guild_id"],
                "user_token": member["token"],
            }
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


async def fetch(base_url: str, task_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"{base_url}/mj/task/{task_id}/fetch")
        response.raise_for_status()
        task: dict[str, Any] = response.json()
        return task


async def until(base_url: str, task_id: str, done: Any) -> dict[str, Any]:
    async with asyncio.timeout(DEADLINE_S):
        while not done(task := await fetch(base_url, task_id)):  # noqa: ASYNC110
            await asyncio.sleep(0.1)  # a client polls the HTTP API; there is no event to await
    return task


async def test_server_killed_mid_task_finishes_it_after_restart(tmp_path: Path) -> None:
    async with process("sandbox", "--json", "--speed", "4", "--tile-px", "64") as sandbox:
        assert sandbox.stdout is not None
        described = json.loads(await asyncio.wait_for(sandbox.stdout.readline(), DEADLINE_S))
        config = str(write_config(tmp_path / "config.yaml", described))
        serve = ("serve", "--port", "0", "--data-dir", str(tmp_path), "--config", config)
        async with process(*serve) as first:
            log = Log(first.stderr)
            base = f"http://127.0.0.1:{(await log.matching(_RUNNING)).group(1)}"
            await log.matching(re.compile(r"main gateway identifying -> ready"))
            async with httpx.AsyncClient(trust_env=False) as client:
                reply = (
                    await client.post(f"{base}/mj/submit/imagine", json={"prompt": "a cat"})
                ).json()
            task_id = reply["result"]
            await until(
                base, task_id, lambda t: t["status"] == "IN_PROGRESS" and t["progress"] != "0%"
            )
            first.kill()
            await first.wait()
        async with process(*serve) as second:
            base = f"http://127.0.0.1:{(await Log(second.stderr).matching(_RUNNING)).group(1)}"
            task = await until(base, task_id, lambda t: t["status"] in ("SUCCESS", "FAILURE"))
    assert task["status"] == "SUCCESS", task["failReason"]
    assert task["progress"] == "100%"
    assert task["imageUrl"]
    assert task["buttons"]
