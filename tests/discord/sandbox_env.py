"""The Discord engine pointed at the sandbox (`mjproxy.sandbox`) over real sockets."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

from mjproxy.domain.account import Account, Secret
from mjproxy.domain.custom_ids import parse_custom_id
from mjproxy.domain.task import BotType, ImageInput, Task, TaskAction
from mjproxy.engines.base import Job
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.engine import DiscordEngine
from mjproxy.engines.discord.gateway import GatewayOptions
from mjproxy.engines.discord.settings import DiscordSettings
from mjproxy.sandbox.accounts import Account as SandboxAccount
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.server import Sandbox
from tests.discord.task_sink import Services

SPEED = 100.0
TILE_PX = 96  # small images keep the suite fast; quadrants still differ visibly


def png(color: str, size: int = 64) -> ImageInput:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "PNG")
    return ImageInput(buffer.getvalue(), "image/png")


def settings_for(sandbox: Sandbox) -> DiscordSettings:
    return DiscordSettings(
        endpoints=DiscordEndpoints(
            api=sandbox.api_base_url,
            gateway=sandbox.gateway_url,
            iframe=sandbox.base_url + "/discordsays/{application_id}",
        ),
        gateway=GatewayOptions(ready_timeout_s=10),
        ready_timeout_s=10,
        backoff_base_s=0.01,
        backoff_cap_s=0.2,
        deletion_grace_s=0.5,
        seed_timeout_s=20,
    )


@dataclass
class Env:
    sandbox: Sandbox
    member: SandboxAccount
    account: Account
    services: Services
    engine: DiscordEngine
    sync_info: bool = False
    _next: int = 100

    def new_engine(self) -> DiscordEngine:
        settings = settings_for(self.sandbox)
        return DiscordEngine(settings=settings, sinks=self.services.sinks)

    async def submit(
        self,
        action: TaskAction,
        *,
        prompt: str = "",
        parent: Task | None = None,
        custom_id: str | None = None,
        images: Sequence[ImageInput] = (),
        modal_prompt: str | None = None,
        mask: ImageInput | None = None,
        options: Mapping[str, Any] | None = None,
        bot: BotType = BotType.MID_JOURNEY,
    ) -> str:
        self._next += 1
        task_id = str(self._next)
        task = self.services.new_task(
            task_id, action, prompt, bot_type=bot, account_id=self.account.id
        )
        job = Job(
            task=task,
            account=self.account,
            parent=parent,
            button=parse_custom_id(custom_id) if custom_id else None,
            images=images,
            modal_prompt=modal_prompt,
            mask=mask,
            options=options or {},
        )
        await self.engine.start(job)
        return task_id

    async def run(self, action: TaskAction, **kwargs: Any) -> Task:
        task_id = await self.submit(action, **kwargs)
        await self.services.wait_for(lambda: self.services.done(task_id), timeout_s=30)
        return self.services.tasks[task_id]

    async def image(self, url: str | None) -> Image.Image:
        assert url is not None
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(url)
        assert response.status_code == 200
        return Image.open(io.BytesIO(response.content)).convert("RGB")

    @property
    def session_id(self) -> str:
        return self.engine.runtime(self.account.id).supervisor.session.session_id or ""


@asynccontextmanager
async def sandbox_env(
    *, speed: float = SPEED, remix: bool = False, sync_info: bool = False, **member: Any
) -> AsyncIterator[Env]:
    async with Sandbox(
        # A heartbeat late by seconds on a loaded machine must not end the session (4009).
        SandboxConfig(
            speed=speed, heartbeat_interval_ms=2_000, heartbeat_timeout_factor=3.0, tile_px=TILE_PX
        )
    ) as sandbox:
        added = sandbox.add_account(plan="pro", remix=remix, **member)
        account = Account(
            id="sbx",
            channel_id=added.channel_id,
            guild_id=added.guild_id,
            user_token=Secret(added.token),
            user_agent="Mozilla/5.0 Chrome/124.0.0.0",
            remix=remix,
            engine="sandbox",  # marks its tasks as simulated
        )
        services = Services()
        env = Env(sandbox, added, account, services, engine=None, sync_info=sync_info)  # type: ignore[arg-type]
        env.engine = env.new_engine()
        await env.engine.open_account(account)
        if sync_info:
            # Only when a test awaits the outcome: a request still in flight when a test
            # ends would be cancelled mid-connect and leak its socket.
            await env.engine.sync_account(account)
        try:
            yield env
        finally:
            await env.engine.aclose()
