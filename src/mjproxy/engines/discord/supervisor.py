"""The per-account gateway supervisor: owns the session, reconnects, reports health.

It opens a fresh `GatewayConnection` for each socket, hands it the `SessionState`, and
acts on the outcome: resume (same session, resume URL), identify again (session
cleared), or stop for good on a fatal close such as 4004 and tell the account sink why.
A reconnect that succeeds within `outage_grace_s` is not reported at all, so routine op 7s
and dropped sockets do not take a ready account out of the pool.
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
        self._reported: AccountState | None = None
        self._outage_report: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Connect, reconnect, resume; return only after a fatal close."""
        try:
            await self._supervise()
        finally:
            self._cancel_outage_report()

    async def _supervise(self) -> None:
        while True:
            outcome = await self._connect_once()
            self.ready.clear()
            self.last_outcome = outcome
            if outcome.action is CloseAction.FATAL:
                logger.error("%s gateway stopped: %s", self._account_id, outcome.reason)
                self._cancel_outage_report()
                await self._report(
                    AccountState.DISABLED,
                    f"Discord closed the gateway for good: {outcome.reason}. "
                    "Fix the account (token, permissions) and enable it again.",
                )
                return
            if outcome.action is CloseAction.REIDENTIFY:
                self.session.clear()
            delay_s = self._reconnect_delay_s(outcome)
            logger.warning(
                "%s gateway %s; %s in %.2f s",
                self._account_id,
                outcome.reason,
                "resuming" if self.session.can_resume else "identifying",
                delay_s,
            )
            await self._report_outage()
            await asyncio.sleep(delay_s)

    def _reconnect_delay_s(self, outcome: ConnectionOutcome) -> float:
        """Discord's own request to reconnect (op 7, op 9) from a healthy connection is not
        trouble: resume at once, or identify after a short jitter (identifies are the
        limited ones). Only trouble grows the backoff (as discord.py's `Client.connect`)."""
        if not (outcome.requested and outcome.was_ready):
            return self._backoff.next_delay_s()
        if outcome.action is CloseAction.RESUME:
            return 0.0
        return self._backoff.first_delay_s()

    async def _report_outage(self) -> None:
        """CONNECTING goes to the account sink at once before the first ready, and only
        after `outage_grace_s` of being down once the account has been ready."""
        if self._reported is not AccountState.READY:
            await self._report(AccountState.CONNECTING, self._outage_reason())
        elif self._outage_report is None:
            self._outage_report = asyncio.create_task(
                self._report_outage_later(), name=f"gateway-outage-{self._account_id}"
            )

    async def _report_outage_later(self) -> None:
        await asyncio.sleep(self._options.outage_grace_s)
        self._outage_report = None
        await self._report(AccountState.CONNECTING, self._outage_reason())

    def _outage_reason(self) -> str:
        return self.last_outcome.reason if self.last_outcome else "not connected"

    def _cancel_outage_report(self) -> None:
        if self._outage_report is not None:
            self._outage_report.cancel()
            self._outage_report = None

    async def _report(self, state: AccountState, reason: str) -> None:
        self._reported = state
        await self._on_health(state, reason)

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
        self._cancel_outage_report()
        if self._reported is not AccountState.READY:
            await self._report(AccountState.READY, "resumed" if ready is None else "connected")
