"""The real app, wired exactly as `mjproxy serve --sandbox` wires it, talking HTTP."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from mjproxy.api.app import create_app
from mjproxy.config import load_settings
from mjproxy.domain.account import AccountState
from mjproxy.engines.base import AccountEvent, Engine, EngineFactory, EngineSinks
from mjproxy.sandbox.accounts import Account as SandboxMember
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.server import Sandbox
from mjproxy.serving import SANDBOX_ENGINE, sandboxed
from tests.harness import App

TILE_PX = 96
WAIT_S = 30.0


def png_b64(color: str, size: int = 64) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass
class SandboxApp:
    app: App
    sandbox: Sandbox
    member: SandboxMember

    async def submit(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.app.submit(path, body)

    async def accepted(self, path: str, body: dict[str, Any]) -> str:
        reply = await self.submit(path, body)
        assert reply["code"] in (1, 22), reply
        return str(reply["result"])

    async def finished(self, task_id: str) -> dict[str, Any]:
        await self.app.wait_until(task_id, lambda task: task.is_terminal)
        return await self.app.fetch(task_id)

    async def run(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.finished(await self.accepted(path, body))

    async def action(self, parent: dict[str, Any], custom_id: str) -> dict[str, Any]:
        return await self.run("/mj/submit/action", {"taskId": parent["id"], "customId": custom_id})

    async def image(self, url: str) -> Image.Image:
        if url.startswith("http://mjproxy.test"):
            response = await self.app.client.get(url)
        else:
            async with httpx.AsyncClient(trust_env=False) as client:
                response = await client.get(url)
        assert response.status_code == 200, url
        return Image.open(io.BytesIO(response.content)).convert("RGB")


def _announcing_ready(factory: EngineFactory, ready: asyncio.Event) -> EngineFactory:
    """The factory, with READY reported to the test after the services have seen it."""

    def build(sinks: EngineSinks) -> Engine:
        async def accounts(event: AccountEvent) -> None:
            await sinks.accounts(event)
            if event.state is AccountState.READY:
                ready.set()

        return factory(EngineSinks(updates=sinks.updates, accounts=accounts))

    return build


@asynccontextmanager
async def serve_app(
    sandbox: Sandbox,
    data_dir: Path,
    *,
    member: SandboxMember | None = None,
    remix: bool = False,
    remix_auto_submit: bool = False,
) -> AsyncIterator[SandboxApp]:
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": data_dir,
            "database_url": f"sqlite:///{data_dir / 'mjproxy.db'}",
            # Re-hosted image URLs then point at this test client's base URL.
            "public_base_url": "http://mjproxy.test",
            "discord": {"sync_info_on_ready": False, "deletion_grace_s": 0.5},
        },
    )
    settings, engines = sandboxed(settings, sandbox, member=member, remix=remix)
    if remix_auto_submit:
        *others, ours = settings.accounts
        ours = ours.model_copy(update={"remix_auto_submit": True})
        settings = settings.model_copy(update={"accounts": [*others, ours]})
    ready = asyncio.Event()
    engines[SANDBOX_ENGINE] = _announcing_ready(engines[SANDBOX_ENGINE], ready)
    fastapi = create_app(settings, engines=engines)
    async with fastapi.router.lifespan_context(fastapi):
        transport = httpx.ASGITransport(app=fastapi)
        async with httpx.AsyncClient(transport=transport, base_url="http://mjproxy.test") as client:
            await asyncio.wait_for(ready.wait(), timeout=WAIT_S)
            used = member or sandbox.accounts[-1]
            yield SandboxApp(App(fastapi=fastapi, client=client), sandbox, used)


@asynccontextmanager
async def sandbox_app(
    data_dir: Path, *, speed: float = 100.0, remix: bool = False, remix_auto_submit: bool = False
) -> AsyncIterator[SandboxApp]:
    # A heartbeat late by seconds on a loaded machine must not end the session (4009).
    config = SandboxConfig(
        speed=speed, tile_px=TILE_PX, heartbeat_interval_ms=2_000, heartbeat_timeout_factor=3.0
    )
    async with (
        Sandbox(config) as sandbox,
        serve_app(sandbox, data_dir, remix=remix, remix_auto_submit=remix_auto_submit) as app,
    ):
        yield app
