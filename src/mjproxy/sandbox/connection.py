"""One gateway websocket: decode what the client sends, send what the session dispatches, in order.

A connection lives for one socket and is thrown away; the session it serves (sessions.py)
outlives it. Outgoing frames go through one queue and one writer task, so sends keep their
order and the shared zlib compressor sees payloads in exactly the order they leave.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from aiohttp import WSMsgType, web

from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.frames import FrameEncoder
from mjproxy.sandbox.protocol import (
    CLOSE_REASONS,
    MAX_CLIENT_PAYLOAD_BYTES,
    CloseCode,
    JsonObject,
)
from mjproxy.sandbox.sessions import GatewaySession
from mjproxy.sandbox.transcript import EntryKind, Transcript, redact_token

logger = logging.getLogger(__name__)


class _Close(NamedTuple):
    code: int
    reason: str


_Outgoing = str | bytes | _Close
PayloadHandler = Callable[["GatewayConnection", JsonObject], Awaitable[None]]


class GatewayConnection:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        *,
        connection_id: int,
        path: str,
        api_version: int,
        encoder: FrameEncoder,
        transcript: Transcript,
        config: SandboxConfig,
    ) -> None:
        self.id = connection_id
        self.path = path
        self.api_version = api_version
        self.finished = False
        self.session: GatewaySession | None = None
        self.closing = False
        self.dropped = False
        self.server_close_code: int | None = None
        self.client_close_code: int | None = None
        self.closed_by: str | None = None  # "client", "server" or "drop" once ended
        self.last_heartbeat = Clock.monotonic()
        self.encoder = encoder
        self._ws = ws
        self._request = request
        self._transcript = transcript
        self._config = config
        self._out: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._recent_receives: deque[float] = deque()

    @property
    def session_id(self) -> str | None:
        return self.session.session_id if self.session is not None else None

    def send(self, payload: JsonObject) -> None:
        """Queue `payload` for sending; ignored once the connection is closing."""
        if self.closing:
            return
        self._transcript.record(
            EntryKind.WS_SEND,
            connection_id=self.id,
            session_id=self.session_id,
            op=payload.get("op"),
            event=payload.get("t"),
            seq=payload.get("s"),
            payload=payload,
        )
        for frame in self.encoder.encode(payload):
            self._out.put_nowait(frame)

    def close(self, code: int, reason: str = "") -> None:
        """Close with `code` after every frame queued so far has gone out."""
        if self.closing or self.finished:
            return
        self.closing = True
        self.server_close_code = code
        self._out.put_nowait(_Close(code, reason or CLOSE_REASONS.get(code, "")))

    def drop(self) -> None:
        """Cut the TCP connection at once, with no close frame."""
        self.closing = True
        self.dropped = True
        transport = self._request.transport
        if transport is not None:
            transport.abort()

    def note_heartbeat(self) -> None:
        self.last_heartbeat = Clock.monotonic()

    async def serve(self, on_payload: PayloadHandler) -> None:
        """Run until the socket ends: read and handle payloads while the writer sends."""
        helpers = [asyncio.create_task(self._write_loop(), name=f"gw-write-{self.id}")]
        if self._config.enforce_heartbeat:
            helpers.append(asyncio.create_task(self._watch_heartbeats(), name=f"gw-hb-{self.id}"))
        try:
            await self._read_loop(on_payload)
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            self.finished = True
            self._record_close()

    async def _read_loop(self, on_payload: PayloadHandler) -> None:
        async for message in self._ws:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            raw = message.data if isinstance(message.data, bytes) else str(message.data).encode()
            payload = self._decode(raw)
            if payload is None or self.closing:
                continue
            if not self._within_send_limit():
                self.close(CloseCode.RATE_LIMITED)
                continue
            await on_payload(self, payload)

    def _decode(self, raw: bytes) -> JsonObject | None:
        """The payload as a dict, or None after closing 4002 for an oversized or broken one."""
        if len(raw) > MAX_CLIENT_PAYLOAD_BYTES:
            self._transcript.record(
                EntryKind.WS_RECV, connection_id=self.id, note=f"oversized: {len(raw)} bytes"
            )
            self.close(CloseCode.DECODE_ERROR)
            return None
        try:
            payload = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            self._transcript.record(EntryKind.WS_RECV, connection_id=self.id, note="undecodable")
            self.close(CloseCode.DECODE_ERROR)
            return None
        self._transcript.record(
            EntryKind.WS_RECV,
            connection_id=self.id,
            session_id=self.session_id,
            op=payload["op"],
            payload=redact_token(payload),
        )
        return payload

    def _within_send_limit(self) -> bool:
        now = Clock.monotonic()
        window = self._recent_receives
        window.append(now)
        while window and window[0] <= now - self._config.client_send_window_s:
            window.popleft()
        return len(window) <= self._config.client_send_limit

    async def _write_loop(self) -> None:
        while True:
            item = await self._out.get()
            try:
                if isinstance(item, _Close):
                    await self._ws.close(code=item.code, message=item.reason.encode())
                    return
                if isinstance(item, str):
                    await self._ws.send_str(item)
                else:
                    await self._ws.send_bytes(item)
            except ConnectionError:
                return

    async def _watch_heartbeats(self) -> None:
        limit_s = self._config.heartbeat_interval_ms / 1000 * self._config.heartbeat_timeout_factor
        while not self.closing:
            remaining = self.last_heartbeat + limit_s - Clock.monotonic()
            if remaining <= 0:
                logger.info("gateway connection %s missed its heartbeat; closing", self.id)
                self.close(CloseCode.SESSION_TIMED_OUT)
                return
            await asyncio.sleep(remaining)

    def _record_close(self) -> None:
        if self.dropped:
            closed_by, code = "drop", None
        elif self.server_close_code is not None:
            closed_by, code = "server", self.server_close_code
        else:
            closed_by, code = "client", self._ws.close_code
        self.client_close_code = code if closed_by == "client" else None
        self.closed_by = closed_by
        self._transcript.record(
            EntryKind.WS_CLOSE,
            connection_id=self.id,
            session_id=self.session_id,
            code=code,
            note=closed_by,
        )
