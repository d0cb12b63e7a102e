"""The per-account gateway supervisor: owns the session, reconnects, reports health.

It opens a fresh `GatewayConnection` for each socket, hands it the `SessionState`, and
acts on the outcome: resume (same session, resume URL), identify again (session
cleared), or stop for good on a fatal close such as 4004 and tell the account sink why.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from mjproxy.domain.account import AccountState, Secret
from mjproxy.engines.discord.backoff import Backoff
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.gateway import (
    ConnectionOutcome,
    DispatchCallback,
    GatewayConnection,
    GatewayOptions,
    SessionState,
    gateway_url,
)
from mjproxy.engines.discord.identify import ClientProperties, build_identify
from mjproxy.engines.discord.payloads import Ready
from mjproxy.engines.discord.protocol import CloseAction

logger = logging.getLogger(__name__)

HealthCallback = Callable[[AccountState, str], Awaitable[None]]
ReadyListener = Callable[[Ready | None], Awaitable[None]]


class GatewaySupervisor:
    """Keeps one account connected until it is cancelled or a close is fatal."""

    def __init__(
        self,
        *,
        account_id: str,
        token: Secret,
        user_agent: str,
        endpoints: DiscordEndpoints,
        options: GatewayOptions,
        properties: ClientProperties,
        on_dispatch: DispatchCallback,
        on_ready: ReadyListener,
        on_health: HealthCallback,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.session = SessionState()
        self.ready = asyncio.Event()
        self.connections = 0
        self.last_outcome: ConnectionOutcome | None = None
        self._account_id = account_id
        self._token = token
        self._user_agent = user_agent
        self._endpoints = endpoints
        self._options = options
        self._properties = properties
        self._on_dispatch = on_dispatch
        self._on_ready = on_ready
        self._on_health = on_health
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff(rng=self._rng)

    async def run(self) -> None:
        """Connect, reconnect, resume; return only after a fatal close."""
        while True:
            outcome = await self._connect_once()
            self.ready.clear()
            self.last_outcome = outcome
            if outcome.action is CloseAction.FATAL:
                logger.error("%s gateway stopped: %s", self._account_id, outcome.reason)
                await self._on_health(
                    AccountState.DISABLED,
                    f"Discord closed the gateway for good: {outcome.reason}. "
                    "Fix the account (token, permissions) and enable it again.",
                )
                return
            if outcome.action is CloseAction.REIDENTIFY:
                self.session.clear()
            delay_s = self._backoff.next_delay_s()
            logger.warning(
                "%s gateway %s; %s in %.2f s",
                self._account_id,
                outcome.reason,
                "resuming" if self.session.can_resume else "identifying",
                delay_s,
            )
            await self._on_health(AccountState.CONNECTING, outcome.reason)
            await asyncio.sleep(delay_s)

    async def _connect_once(self) -> ConnectionOutcome:
        self.connections += 1
        connection = GatewayConnection(
            account_id=self._account_id,
            url=self._url(),
            identify=build_identify(self._token.reveal(), self._user_agent, self._properties),
            session=self.session,
            options=self._options,
            on_dispatch=self._on_dispatch,
            on_ready=self._ready,
            user_agent=self._user_agent,
            rng=self._rng,
        )
        return await connection.run()

    def _url(self) -> str:
        base = self._endpoints.gateway
        if self.session.can_resume:
            base = self._endpoints.resume_gateway or self.session.resume_url or base
        return gateway_url(base, version=self._options.api_version, compress=self._options.compress)

    async def _ready(self, ready: Ready | None) -> None:
        self._backoff.connected()
        await self._on_ready(ready)
        self.ready.set()
        await self._on_health(AccountState.READY, "resumed" if ready is None else "connected")
