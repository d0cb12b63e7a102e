"""The app behind a real socket: uvicorn in-process, and the `mjproxy serve` command."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn

from mjproxy.api.app import create_app
from tests.e2e.cli_server import serve_cli
from tests.harness import build_settings
from tests.scripted_engine import WAIT_S, ScriptedEngine


@asynccontextmanager
async def uvicorn_on_a_free_port(app: object) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1:<free port>; the socket is bound before uvicorn starts, so
    clients can connect at once (the kernel holds them until uvicorn accepts)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))  # type: ignore[arg-type]
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, WAIT_S)
        listener.close()


async def test_imagine_fetch_and_action_over_a_real_socket(
    database_url: str, tmp_path: Path
) -> None:
    engines: list[ScriptedEngine] = []

    def build(sinks: object) -> ScriptedEngine:
        engines.append(ScriptedEngine(sinks))  # type: ignore[arg-type]
        return engines[-1]

    app = create_app(
        build_settings(database_url, tmp_path, api_secret="k"), engines={"scripted": build}
    )
    async with (
        uvicorn_on_a_free_port(app) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"mj-api-secret": "k"}) as client,
    ):
        submitted = (
            await client.post("/mj-fast/mj/submit/imagine", json={"prompt": "a cat"})
        ).json()
        await engines[0].next_job()
        job_hash = await engines[0].succeed(submitted["result"])
        fetched = (await client.get(f"/mj/task/{submitted['result']}/fetch")).json()
        action = await client.post(
            "/mj/submit/action",
            json={
                "taskId": submitted["result"],
                "customId": f"MJ::JOB::upsample::1::{job_hash}",
            },
        )
    assert submitted["code"] == 1
    assert fetched["status"] == "SUCCESS"
    assert action.json()["code"] == 1
    assert '"code":1' in action.text


async def test_the_serve_command_serves_and_stops_with_a_summary_line(tmp_path: Path) -> None:
    async with (
        serve_cli(tmp_path, MJPROXY_API_SECRET="cli-key") as server,
        httpx.AsyncClient(base_url=server.base_url) as client,
    ):
        health = await client.get("/health")
        refused = await client.get("/mj/task/list")
        allowed = await client.get("/mj/task/list", headers={"Authorization": "Bearer cli-key"})
    assert server.process.returncode == 0
    assert health.json()["status"] == "ok"
    assert refused.status_code == 401
    assert allowed.json() == []
    assert (tmp_path / "mjproxy.db").exists()
    assert "cli-key" not in "".join(server.output)
