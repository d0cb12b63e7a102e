"""A scriptable Discord gateway on 127.0.0.1 for the gateway state-machine tests.

Deliberately tiny and written from discord-protocol.md §1 alone; the full simulator is
`mjproxy.sandbox`. Each behaviour a test needs is a switch or a coroutine to call.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass
class Session:
    session_id: str
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Connection:
    ws: ServerConnection
    path: str
    compress: bool
    compressor: Any = None
    received: list[dict[str, Any]] = field(default_factory=list)
    session: Session | None = None


class FakeGateway:
    def __init__(self, *, token: str = "good-token", interval_ms: int = 200) -> None:
        self.token = token
        self.interval_ms = interval_ms
        self.ack_heartbeats = True
        self.split_frames = False
        self.refuse_connections = False  # cut every new socket at once (an outage)
        self.connections: list[Connection] = []
        self.sessions: dict[str, Session] = {}
        self.last_session: Session | None = None
        self._server: Server | None = None
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> FakeGateway:
        self._server = await serve(self._handle, "127.0.0.1", 0, compression=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def current(self) -> Connection:
        return self.connections[-1]

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(predicate)

    def ops(self, index: int = -1) -> list[int]:
        return [p["op"] for p in self.connections[index].received]

    async def dispatch(self, name: str, data: Any) -> None:
        """Dispatch to the latest session; a session without a live socket only buffers it."""
        assert self.last_session is not None
        session = self.last_session
        session.seq += 1
        payload = {"op": 0, "d": data, "s": session.seq, "t": name}
        session.sent.append(payload)
        conn = self.current
        if conn.session is session:
            await self._send(conn, payload)

    async def send_op(self, op: int, data: Any = None) -> None:
        await self._send(self.current, {"op": op, "d": data, "s": None, "t": None})

    async def close(self, code: int) -> None:
        await self.current.ws.close(code, "test")

    def drop(self) -> None:
        transport = self.current.ws.transport
        transport.abort()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        if self.refuse_connections:
            ws.transport.abort()
            return
        parts = urlsplit(ws.request.path)
        compress = parse_qs(parts.query).get("compress") == ["zlib-stream"]
        conn = Connection(ws, parts.path, compress, zlib.compressobj() if compress else None)
        self.connections.append(conn)
        await self._notify()
        try:
            await self._send(
                conn,
                {"op": 10, "d": {"heartbeat_interval": self.interval_ms}, "s": None, "t": None},
            )
            async for raw in ws:
                payload = json.loads(raw)
                conn.received.append(payload)
                await self._on_payload(conn, payload)
                await self._notify()
        except ConnectionClosed:
            pass
        finally:
            await self._notify()

    async def _on_payload(self, conn: Connection, payload: dict[str, Any]) -> None:
        op, data = payload["op"], payload.get("d") or {}
        if op == 1 and self.ack_heartbeats:
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data)
        elif op == 6:
            await self._resume(conn, data)

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(4004, "Authentication failed.")
            return
        session = Session(uuid.uuid4().hex)
        self.sessions[session.session_id] = session
        self.last_session = conn.session = session
        ready = {
            "v": 9,
            "session_id": session.session_id,
            "resume_gateway_url": f"{self.url}/resume",
            "user": {"id": "4242", "username": "tester"},
            "private_channels": [],
        }
        await self._dispatch(conn, session, "READY", ready)

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        self.last_session = conn.session = session
        last = data.get("seq") or 0
        for payload in session.sent:
            if payload["s"] > last:
                await self._send(conn, payload)
        await self._dispatch(conn, session, "RESUMED", {})

    async def _dispatch(self, conn: Connection, session: Session, name: str, data: Any) -> None:
        session.seq += 1
        payload = {"op": 0, "d": data, "s": session.seq, "t": name}
        session.sent.append(payload)
        await self._send(conn, payload)

    async def _send(self, conn: Connection, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if not conn.compress:
            await conn.ws.send(text)
            return
        blob = conn.compressor.compress(text.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH)
        if self.split_frames and len(blob) > 8:
            await conn.ws.send(blob[:5])
            await conn.ws.send(blob[5:])
        else:
            await conn.ws.send(blob)
