"""`mjproxy sandbox` runs standalone and prints what a client needs."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import httpx

from .wire import RawGateway


async def start_cli(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mjproxy",
        "sandbox",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        line = await process.stdout.readline()
    return process, json.loads(line)


async def stop(process: asyncio.subprocess.Process) -> int:
    process.terminate()
    async with asyncio.timeout(15):
        return await process.wait()


async def test_cli_serves_what_it_prints() -> None:
    process, info = await start_cli("--port", "0", "--accounts", "2", "--speed", "500", "--json")
    try:
        accounts = info["accounts"]
        assert len(accounts) == 2
        assert info["speed"] == 500.0
        first = accounts[0]
        assert first["token"]
        assert first["channel_id"]
        assert first["guild_id"]
        async with httpx.AsyncClient(base_url=info["urls"]["api"]) as http:
            me = await http.get("/users/@me", headers={"Authorization": first["token"]})
        assert me.json()["id"] == first["user_id"]
        gateway = RawGateway()
        await gateway.connect(info["urls"]["gateway"])
        ready = await gateway.identify(accounts[1]["token"])
        assert ready["user"]["id"] == accounts[1]["user_id"]
        await gateway.close()
    finally:
        code = await stop(process)
    assert code == 0


async def test_cli_refuses_a_bad_plan() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mjproxy",
        "sandbox",
        "--plan",
        "platinum",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert b"platinum" in stderr
