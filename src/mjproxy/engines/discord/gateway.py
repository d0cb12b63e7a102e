"""One gateway websocket: hello, identify or resume, heartbeats, dispatches, one outcome.

A `GatewayConnection` lives for one socket and is then thrown away. It never decides
whether to reconnect: it ends with a `ConnectionOutcome` (resume, identify again, or
fatal) and the per-account supervisor acts on it, carrying the `SessionState` (session
id, last sequence, resume URL) into the next connection. Shape after discord.py's
`gateway.py`; facts from discord-protocol.md §1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from mjproxy.engines.discord.payloads import GatewayPayload, Ready
from mjproxy.engines.discord.protocol import RESUMABLE_CLOSE, CloseAction, OpCode, close_rule
from mjproxy.engines.discord.transport import SendLimiter, ZlibStreamInflater

logger = logging.getLogger(__name__)


class GatewayState(StrEnum):
    CONNECTING = "connecting"
    IDENTIFYING = "identifying"
    RESUMING = "resuming"
    READY = "ready"
    CLOSED = "closed"


_TRANSITIONS: dict[GatewayState, frozenset[GatewayState]] = {
    GatewayState.CONNECTING: frozenset(
        {GatewayState.IDENTIFYING, GatewayState.RESUMING, GatewayState.CLOSED}
    ),
    GatewayState.IDENTIFYING: frozenset({GatewayState.READY, GatewayState.CLOSED}),
    GatewayState.RESUMING: frozenset({GatewayState.READY, GatewayState.CLOSED}),
    GatewayState.READY: frozenset({GatewayState.CLOSED}),
    GatewayState.CLOSED: frozenset(),
}


class IllegalTransition(RuntimeError):
    pass


@dataclass(slots=True)
class SessionState:
    """What survives a connection: needed to resume, owned by the supervisor."""

    session_id: str | None = None
    seq: int | None = None
    resume_url: str | None = None
    user_id: str | None = None

    @property
    def can_resume(self) -> bool:
        return self.session_id is not None

    def clear(self) -> None:
        self.session_id = None
        self.seq = None
        self.resume_url = None


@dataclass(frozen=True, slots=True)
class ConnectionOutcome:
    action: CloseAction
    reason: str
    code: int | None = None
    was_ready: bool = False
    requested: bool = False  # the gateway told us to reconnect (op 7, op 9): not trouble


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    api_version: int = 9
    compress: bool = True
    connect_timeout_s: float = 30.0
    hello_timeout_s: float = 20.0
    ready_timeout_s: float = 30.0
    close_timeout_s: float = 3.0
    max_message_bytes: int = 64 * 1024 * 1024
    # A ready account that is connected again within this time was never "connecting" to the
    # pool: Discord asks for reconnects routinely, and tasks sent meanwhile wait for ready.
    outage_grace_s: float = 10.0


DispatchCallback = Callable[[str, Any], Awaitable[None]]
ReadyCallback = Callable[[Ready | None], Awaitable[None]]


def _decode(text: str) -> GatewayPayload:
    payload = json.loads(text)
    if not isinstance(payload, dict):
        raise ValueError(f"expected a JSON object from the gateway, got {type(payload).__name__}")
    return cast(GatewayPayload, payload)


def gateway_url(base: str, *, version: int, compress: bool) -> str:
    """`base` with Discord's query string (path kept; `/` when there is none)."""
    parts = urlsplit(base)
    query = {"encoding": "json", "v": str(version)}
    if compress:
        query["compress"] = "zlib-stream"
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


class GatewayConnection:
    """One socket's life. `run()` returns how it ended; it raises nothing but cancellation."""

    def __init__(
        self,
        *,
        account_id: str,
        url: str,
        identify: dict[str, Any],
        session: SessionState,
        options: GatewayOptions,
        on_dispatch: DispatchCallback,
        on_ready: ReadyCallback,
        user_agent: str,
        rng: random.Random | None = None,
    ) -> None:
        self.state = GatewayState.CONNECTING
        self._account_id = account_id
        self._url = url
        self._identify = identify
        self._session = session
        self._options = options
        self._on_dispatch = on_dispatch
        self._on_ready = on_ready
        self._user_agent = user_agent
        self._rng = rng or random.Random()
        self._inflater = ZlibStreamInflater()
        self._limiter = SendLimiter()
        self._ws: ClientConnection | None = None
        self._interval_s: float | None = None
        self._acked = True
        self._own_close: ConnectionOutcome | None = None
        self._deadline: float = 0.0
        self._heartbeat_task: asyncio.Task[None] | None = None

    def _transition(self, new: GatewayState) -> None:
        if new not in _TRANSITIONS[self.state]:
            raise IllegalTransition(f"gateway cannot go from {self.state} to {new}")
        logger.info("%s gateway %s -> %s", self._account_id, self.state, new)
        self.state = new

    async def run(self) -> ConnectionOutcome:
        try:
            async with asyncio.timeout(self._options.connect_timeout_s):
                self._ws = await connect(
                    self._url,
                    additional_headers={"Accept-Language": "en-US,en;q=0.9"},
                    user_agent_header=self._user_agent,
                    compression=None,
                    proxy=None,
                    ping_interval=None,
                    max_size=self._options.max_message_bytes,
                    close_timeout=self._options.close_timeout_s,
                )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            self._transition(GatewayState.CLOSED)
            return ConnectionOutcome(CloseAction.RESUME, f"could not connect: {exc!r}")
        try:
            async with asyncio.TaskGroup() as group:
                outcome = await self._receive_loop(group)
                if self._heartbeat_task is not None:
                    self._heartbeat_task.cancel()
        finally:
            await self._ws.close()
            if self.state is not GatewayState.CLOSED:
                self._transition(GatewayState.CLOSED)
        return outcome

    async def _receive_loop(self, group: asyncio.TaskGroup) -> ConnectionOutcome:
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + self._options.hello_timeout_s
        assert self._ws is not None
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    frame = await self._ws.recv()
            except TimeoutError:
                return await self._timed_out()
            except ConnectionClosed as exc:
                return self._closed(exc)
            try:
                text = self._inflater.feed(frame) if isinstance(frame, bytes) else frame
                if text is None:
                    continue
                outcome = await self._handle(_decode(text), group)
            except ConnectionClosed as exc:
                return self._closed(exc)
            except (ValueError, IllegalTransition) as exc:
                return await self._close(CloseAction.REIDENTIFY, f"protocol error: {exc}")
            if outcome is not None:
                return outcome

    def _extend_deadline(self) -> None:
        if self.state is GatewayState.READY and self._interval_s is not None:
            # A healthy socket brings at least an ACK per interval; allow two intervals.
            self._deadline = asyncio.get_running_loop().time() + 2 * self._interval_s + 5.0

    async def _timed_out(self) -> ConnectionOutcome:
        waiting_for = {
            GatewayState.CONNECTING: "HELLO",
            GatewayState.IDENTIFYING: "READY",
            GatewayState.RESUMING: "RESUMED",
        }.get(self.state, "any frame")
        action = (
            CloseAction.REIDENTIFY if self.state is GatewayState.RESUMING else CloseAction.RESUME
        )
        return await self._close(action, f"no {waiting_for} from the gateway in time")

    async def _close(
        self,
        action: CloseAction,
        reason: str,
        code: int = RESUMABLE_CLOSE,
        *,
        requested: bool = False,
    ) -> ConnectionOutcome:
        was_ready = self.state is GatewayState.READY
        outcome = ConnectionOutcome(action, reason, code, was_ready, requested)
        self._own_close = self._own_close or outcome
        if self._ws is not None:
            await self._ws.close(code, reason[:120])
        return self._own_close

    def _closed(self, exc: ConnectionClosed) -> ConnectionOutcome:
        if self._own_close is not None:
            return self._own_close
        code = exc.rcvd.code if exc.rcvd is not None else None
        rule = close_rule(code)
        reason = f"gateway closed with {code} ({rule.meaning})" if code else "connection lost"
        return ConnectionOutcome(rule.action, reason, code, self.state is GatewayState.READY)

    async def _handle(
        self, payload: GatewayPayload, group: asyncio.TaskGroup
    ) -> ConnectionOutcome | None:
        seq = payload.get("s")
        if seq is not None:
            self._session.seq = seq
        op = payload.get("op")
        data = payload.get("d")
        if op == OpCode.DISPATCH:
            await self._dispatch(payload.get("t") or "", data)
        elif op == OpCode.HEARTBEAT_ACK:
            self._acked = True
        elif op == OpCode.HEARTBEAT:
            await self._send_heartbeat()
        elif op == OpCode.HELLO:
            await self._hello(data or {}, group)
        elif op == OpCode.RECONNECT:
            return await self._close(
                CloseAction.RESUME, "the gateway asked to reconnect (op 7)", requested=True
            )
        elif op == OpCode.INVALID_SESSION:
            return await self._invalid_session(bool(data))
        self._extend_deadline()
        return None

    async def _hello(self, data: dict[str, Any], group: asyncio.TaskGroup) -> None:
        if self._interval_s is not None:
            return
        self._interval_s = float(data.get("heartbeat_interval", 41250)) / 1000.0
        self._heartbeat_task = group.create_task(self._heartbeat(self._interval_s))
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + self._options.ready_timeout_s
        if self._session.can_resume:
            self._transition(GatewayState.RESUMING)
            await self._send(
                OpCode.RESUME,
                {
                    "token": self._identify["token"],
                    "session_id": self._session.session_id,
                    "seq": self._session.seq,
                },
            )
        else:
            self._transition(GatewayState.IDENTIFYING)
            await self._send(OpCode.IDENTIFY, self._identify)

    async def _invalid_session(self, resumable: bool) -> ConnectionOutcome:
        if resumable:
            return await self._close(
                CloseAction.RESUME,
                "the gateway invalidated the session (op 9, resumable)",
                requested=True,
            )
        self._session.clear()
        return await self._close(
            CloseAction.REIDENTIFY,
            "the gateway invalidated the session (op 9)",
            code=1000,
            requested=True,
        )

    async def _dispatch(self, name: str, data: Any) -> None:
        if name == "READY":
            ready = cast(Ready, data or {})
            self._session.session_id = ready.get("session_id")
            self._session.resume_url = ready.get("resume_gateway_url") or None
            self._session.user_id = (ready.get("user") or {}).get("id")
            self._transition(GatewayState.READY)
            await self._on_ready(ready)
        elif name == "RESUMED":
            self._transition(GatewayState.READY)
            await self._on_ready(None)
        else:
            try:
                await self._on_dispatch(name, data)
            except Exception:
                # One bad event must not take the account's connection down.
                logger.exception("%s gateway failed to handle %s", self._account_id, name)

    async def _heartbeat(self, interval_s: float) -> None:
        # The first beat goes out after interval × jitter so reconnecting clients spread out.
        await asyncio.sleep(interval_s * self._rng.random())
        while True:
            if not self._acked:
                logger.warning(
                    "%s gateway heartbeat not acknowledged; reconnecting", self._account_id
                )
                await self._close(CloseAction.RESUME, "heartbeat ACK missing (zombie connection)")
                return
            try:
                await self._send_heartbeat()
            except ConnectionClosed:
                return
            await asyncio.sleep(interval_s)

    async def _send_heartbeat(self) -> None:
        self._acked = False
        await self._send(OpCode.HEARTBEAT, self._session.seq, limited=False)

    async def _send(self, op: OpCode, data: Any, *, limited: bool = True) -> None:
        if limited:
            await self._limiter.acquire()
        assert self._ws is not None
        logger.debug("%s gateway send op %d", self._account_id, int(op))
        await self._ws.send(json.dumps({"op": int(op), "d": data}))
