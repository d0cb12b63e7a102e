"""Fixtures: a fast sandbox on a random port, accounts, and connected raw clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mjproxy.sandbox import Account, Sandbox, SandboxConfig

from .wire import Payload, RawGateway, RawRest

# Everything Midjourney does in ~20 s takes ~10 ms: tests never wait on real timing.
TEST_SPEED = 2000.0


@dataclass
class Client:
    """A logged-in raw client: one gateway session and a REST client for one account."""

    account: Account
    gateway: RawGateway
    rest: RawRest
    ready: Payload

    @property
    def session_id(self) -> str:
        return str(self.ready["session_id"])

    @property
    def channel_id(self) -> str:
        return self.account.channel_id

    @property
    def guild_id(self) -> str:
        return self.account.guild_id

    async def imagine(self, prompt: str, **kwargs: Any) -> str:
        """Send /imagine; returns the nonce used."""
        nonce = self.rest.nonce()
        response = await self.rest.command(
            "imagine",
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            session_id=self.session_id,
            options=[{"type": 3, "name": "prompt", "value": prompt}],
            nonce=nonce,
            **kwargs,
        )
        assert response.status_code == 204, response.text
        return nonce

    async def slash(self, name: str, options: list[Payload] | None = None, **kwargs: Any) -> str:
        nonce = self.rest.nonce()
        kwargs.setdefault("channel_id", self.channel_id)
        kwargs.setdefault("guild_id", self.guild_id)
        response = await self.rest.command(
            name, session_id=self.session_id, options=options, nonce=nonce, **kwargs
        )
        assert response.status_code == 204, response.text
        return nonce

    async def click(self, message: Payload, custom_id: str, **kwargs: Any) -> str:
        nonce = self.rest.nonce()
        response = await self.rest.click(
            message, custom_id, session_id=self.session_id, nonce=nonce, **kwargs
        )
        assert response.status_code == 204, response.text
        return nonce

    async def submit(self, modal: Payload, value: str) -> str:
        nonce = self.rest.nonce()
        response = await self.rest.submit_modal(
            modal, value, session_id=self.session_id, guild_id=self.guild_id, nonce=nonce
        )
        assert response.status_code == 204, response.text
        return nonce

    async def result_of(self, nonce: str, *, timeout_s: float = 10.0) -> Payload:
        """The finished grid/image message of the job whose interaction used `nonce`.

        Correlates like a careful client: the nonce gives the interaction id (INTERACTION_CREATE),
        and the result carries that id in `interaction_metadata`.
        """
        created = await self.gateway.event("INTERACTION_CREATE", lambda d: d["nonce"] == nonce)
        return await self.gateway.event(
            "MESSAGE_CREATE",
            lambda d: (
                d.get("interaction_metadata", {}).get("id") == created["id"]
                and bool(d.get("attachments"))
                and not d.get("nonce")
            ),
            timeout_s=timeout_s,
        )


ClientFactory = Callable[..., Awaitable[Client]]


def sandbox_config(**overrides: Any) -> SandboxConfig:
    config = SandboxConfig(speed=TEST_SPEED, seed=7, tile_px=64)
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(sandbox_config()) as running:
        yield running


@pytest.fixture
async def connect(sandbox: Sandbox) -> AsyncIterator[ClientFactory]:
    """Factory: a client for an account (a new Standard one by default), identified over zlib."""
    clients: list[Client] = []

    async def make(account: Account | None = None, *, compress: bool = True) -> Client:
        account = account or sandbox.add_account()
        gateway = RawGateway()
        await gateway.connect(sandbox.gateway_url, compress=compress)
        ready = await gateway.identify(account.token)
        client = Client(account, gateway, RawRest(sandbox.api_base_url, account.token), ready)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.gateway.close()
        await client.rest.aclose()


@pytest.fixture
async def client(connect: ClientFactory) -> Client:
    return await connect()
