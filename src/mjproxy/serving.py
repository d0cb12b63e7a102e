"""Serving the API, optionally with the built-in sandbox standing in for Discord.

`mjproxy serve --sandbox` starts the simulator in the same event loop, adds one simulated
account driven by the real Discord engine (named `sandbox`, pointed at the simulator's
URLs), and says so loudly: in the log, in `/mj/account/list` and in every task.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

import uvicorn
from pydantic import SecretStr

from mjproxy.api.app import create_app
from mjproxy.config import AccountSettings, Settings
from mjproxy.engines.base import EngineFactory
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.engine import discord_engine_factory
from mjproxy.engines.registry import discord_settings, installed_engines
from mjproxy.sandbox.accounts import Account as SandboxMember
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.server import Sandbox

logger = logging.getLogger(__name__)

SANDBOX_ENGINE = "sandbox"
SANDBOX_ACCOUNT_ID = "sandbox"
SANDBOX_REMARK = "sandbox: simulated Discord and Midjourney, not real images"


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (uvicorn[standard] brings it on Linux and
    macOS), else None for asyncio's own. `uvicorn.run` would pick uvloop by itself, but
    `mjproxy serve` runs its own loop (sandbox and API in one), so it has to choose: on
    asyncio's loop every request, database round trip and gateway frame cost more."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return None
    return uvloop.new_event_loop


async def serve(settings: Settings, *, sandbox_speed: float | None = None) -> None:
    """Serve until interrupted; with `sandbox_speed`, next to an in-process sandbox."""
    if sandbox_speed is None:
        await _serve(settings, installed_engines(settings))
        return
    async with Sandbox(SandboxConfig(speed=sandbox_speed)) as sandbox:
        with_sandbox, engines = sandboxed(settings, sandbox)
        logger.warning(
            "SANDBOX MODE: account %r runs on a simulated Discord at %s (speed %.1f×); "
            "its images are generated placeholders, not Midjourney's",
            SANDBOX_ACCOUNT_ID,
            sandbox.base_url,
            sandbox_speed,
        )
        await _serve(with_sandbox, engines)


def sandboxed(
    settings: Settings,
    sandbox: Sandbox,
    *,
    member: SandboxMember | None = None,
    remix: bool = False,
) -> tuple[Settings, dict[str, EngineFactory]]:
    """`settings` plus one sandbox account, and the engines including the sandbox engine.

    `member` reuses a sandbox account (a restarted server); otherwise a Pro one is created.
    """
    member = member or sandbox.add_account(plan="pro", remix=remix)
    account = AccountSettings(
        id=SANDBOX_ACCOUNT_ID,
        engine=SANDBOX_ENGINE,
        channel_id=member.channel_id,
        guild_id=member.guild_id,
        user_token=SecretStr(member.token),
        user_agent="mjproxy-sandbox",
        remark=SANDBOX_REMARK,
        remix=member.settings.remix,
    )
    updated = settings.model_copy(update={"accounts": [*settings.accounts, account]})
    config = discord_settings(settings.discord)
    endpoints = DiscordEndpoints(
        api=sandbox.api_base_url,
        gateway=sandbox.gateway_url,
        iframe=sandbox.base_url + "/discordsays/{application_id}",
    )
    sandbox_config = dataclasses.replace(config, endpoints=endpoints)
    engines = installed_engines(updated)
    engines[SANDBOX_ENGINE] = discord_engine_factory(sandbox_config, name=SANDBOX_ENGINE)
    return updated, engines


async def _serve(settings: Settings, engines: dict[str, EngineFactory]) -> None:
    api = create_app(settings, engines=engines)
    config = uvicorn.Config(
        api, host=settings.host, port=settings.port, log_config=None, timeout_graceful_shutdown=10
    )
    await uvicorn.Server(config).serve()
