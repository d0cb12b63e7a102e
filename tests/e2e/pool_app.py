"""The real app with several accounts, each a sandbox subscriber on its own plan, driven by
the real Discord engine; and what the sandbox's transcript says about their load."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mjproxy.api.app import create_app
from mjproxy.config import load_settings
from mjproxy.domain.account import AccountState
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.engine import discord_engine_factory
from mjproxy.engines.registry import discord_settings
from mjproxy.sandbox.accounts import Account as Member
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.server import Sandbox
from mjproxy.sandbox.transcript import EntryKind
from tests.harness import App

ADMIN = {"mj-api-secret": "pool-admin-key"}
WAIT_S = 30.0
SPEED = 100.0  # modal flows fail above ~100
_DONE = ("succeeded", "failed", "stopped")


@dataclass
class PoolApp:
    app: App
    sandbox: Sandbox
    members: dict[str, Member]

    async def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return await self.app.client.request(
            method, f"/mj/admin/accounts{path}", json=body, headers=ADMIN
        )

    async def account(self, account_id: str) -> dict[str, Any]:
        response = await self.app.client.get(f"/mj/account/{account_id}/fetch", headers=ADMIN)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def imagine(self, prompt: str, path: str = "/mj", **fields: Any) -> dict[str, Any]:
        return await self.app.submit(
            f"{path}/submit/imagine", {"prompt": prompt, **fields}, headers=ADMIN
        )

    async def finished(self, task_id: str) -> dict[str, Any]:
        await self.app.wait_until(task_id, lambda task: task.is_terminal)
        return await self.app.fetch(task_id)

    async def until(self, account_id: str, predicate: Any) -> None:
        held = await self.app.services.health.wait_until(account_id, predicate, timeout_s=WAIT_S)
        assert held, f"account {account_id} never got there"

    def peak_in_flight(self, account_id: str, *, since: int = 0, relax: bool = False) -> int:
        """The most jobs Midjourney (the sandbox) had in hand at once for the account, in
        its fast pool (or relax pool): from a job's arrival to its end, queued included."""
        user_id = self.members[account_id].user_id
        held: set[str] = set()
        peak = 0
        for entry in self.sandbox.transcript.entries(since=since, kind=EntryKind.JOB):
            payload = entry.payload or {}
            if entry.user_id != user_id or (payload.get("mode") == "relax") != relax:
                continue
            if entry.note in _DONE:
                held.discard(payload["uuid"])
            else:
                held.add(payload["uuid"])
            peak = max(peak, len(held))
        return peak

    def jobs_of(self, account_id: str) -> list[dict[str, Any]]:
        return [j.summary() for j in self.sandbox.jobs.of_user(self.members[account_id].user_id)]


def account_settings(account_id: str, member: Member, **fields: Any) -> dict[str, Any]:
    return {
        "id": account_id,
        "engine": "sandbox",
        "channel_id": member.channel_id,
        "guild_id": member.guild_id,
        "user_token": member.token,
        "user_agent": "mjproxy-tests",
        **fields,
    }


@asynccontextmanager
async def pool_app(
    tmp_path: Path,
    plans: dict[str, dict[str, Any]],
    *,
    speed: float = SPEED,
    **overrides: Any,
) -> AsyncIterator[PoolApp]:
    """`plans` maps account ids to their sandbox plan (`plan`, `fast_time_h` …) and, under
    `account`, their mjproxy settings (limits …)."""
    # A heartbeat late by seconds on a loaded machine must not end the session (4009).
    config = SandboxConfig(
        speed=speed, tile_px=64, heartbeat_interval_ms=2_000, heartbeat_timeout_factor=3.0
    )
    async with Sandbox(config) as sandbox:
        members: dict[str, Member] = {}
        accounts = []
        for account_id, plan in plans.items():
            own = dict(plan)
            settings_of = own.pop("account", {})
            members[account_id] = sandbox.add_account(**own)
            accounts.append(account_settings(account_id, members[account_id], **settings_of))
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "database_url": f"sqlite:///{tmp_path / 'mjproxy.db'}",
            "admin_secret": ADMIN["mj-api-secret"],
            "accounts": accounts,
            "media": {"rehost": False},
            "discord": {"sync_info_on_ready": False, "deletion_grace_s": 0.5},
        }
        values.update(overrides)
        settings = load_settings(environ={}, overrides=values)
        endpoints = DiscordEndpoints(
            api=sandbox.api_base_url,
            gateway=sandbox.gateway_url,
            iframe=sandbox.base_url + "/discordsays/{application_id}",
        )
        engine = dataclasses.replace(discord_settings(settings.discord), endpoints=endpoints)
        fastapi = create_app(
            settings, engines={"sandbox": discord_engine_factory(engine, name="sandbox")}
        )
        async with fastapi.router.lifespan_context(fastapi):
            transport = httpx.ASGITransport(app=fastapi)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://mjproxy.test"
            ) as client:
                pool = PoolApp(App(fastapi=fastapi, client=client), sandbox, members)
                await asyncio.gather(
                    *(pool.until(i, lambda a: a.state is AccountState.READY) for i in plans)
                )
                yield pool
