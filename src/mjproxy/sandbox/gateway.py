"""The gateway websocket endpoint: HELLO, IDENTIFY, HEARTBEAT, RESUME, and injected faults.

Validation follows reference §6.3: bad `v` closes 4012, a non-JSON encoding 4002, an unknown
token 4004, a second identify 4005, anything but heartbeat/identify/resume before identifying
4003, an unknown op 4001, a resume with a future `seq` 4007, an expired session op 9 false.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Mapping

from aiohttp import web

from mjproxy.sandbox import gateway_payloads as payloads
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.connection import GatewayConnection
from mjproxy.sandbox.frames import FrameEncoder
from mjproxy.sandbox.protocol import (
    IGNORED_CLIENT_OPS,
    SESSION_ENDING_CLIENT_CODES,
    SESSION_ENDING_SERVER_CODES,
    SUPPORTED_API_VERSIONS,
    CloseCode,
    JsonObject,
    Op,
)
from mjproxy.sandbox.sessions import GatewaySession, SessionRegistry
from mjproxy.sandbox.state import World
from mjproxy.sandbox.tasks import BackgroundTasks
from mjproxy.sandbox.transcript import EntryKind, Transcript

logger = logging.getLogger(__name__)


class Gateway:
    def __init__(
        self,
        *,
        world: World,
        sessions: SessionRegistry,
        transcript: Transcript,
        config: SandboxConfig,
        tasks: BackgroundTasks,
    ) -> None:
        self._world = world
        self._sessions = sessions
        self._transcript = transcript
        self._config = config
        self._tasks = tasks
        self._connection_ids = itertools.count(1)
        self._connections: dict[GatewayConnection, asyncio.Task[object] | None] = {}
        self.resume_url = ""  # set once the server knows its port
        self.split_parts = 1

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20, timeout=5.0)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Expected a websocket upgrade for the gateway.\n")
        await ws.prepare(request)
        zlib_stream = request.query.get("compress") == "zlib-stream"
        version = request.query.get("v", "9")
        conn = GatewayConnection(
            ws,
            request,
            connection_id=next(self._connection_ids),
            path=request.path,
            api_version=int(version) if version.isdigit() else 9,
            encoder=FrameEncoder(zlib_stream=zlib_stream, split_parts=self.split_parts),
            transcript=self._transcript,
            config=self._config,
        )
        self._connections[conn] = asyncio.current_task()
        self._transcript.record(
            EntryKind.WS_OPEN, connection_id=conn.id, path=request.path_qs, note=request.path
        )
        refusal = _query_refusal(request.query)
        if refusal is not None:
            conn.close(refusal)
        else:
            conn.send(payloads.hello(self._config.heartbeat_interval_ms))
        try:
            await conn.serve(self._on_payload)
        finally:
            self._connections.pop(conn, None)
            self._after_close(conn)
        return ws

    async def _on_payload(self, conn: GatewayConnection, payload: JsonObject) -> None:
        op, data = payload["op"], payload.get("d")
        if op == Op.HEARTBEAT:
            conn.note_heartbeat()
            if conn.session is None or conn.session.ack_heartbeats:
                conn.send(payloads.heartbeat_ack())
        elif op == Op.IDENTIFY:
            self._identify(conn, data)
        elif op == Op.RESUME:
            self._resume(conn, data)
        elif conn.session is None:
            conn.close(CloseCode.NOT_AUTHENTICATED)
        elif op not in IGNORED_CLIENT_OPS:
            conn.close(CloseCode.UNKNOWN_OPCODE)

    def _identify(self, conn: GatewayConnection, data: object) -> None:
        if conn.session is not None:
            conn.close(CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict):
            conn.close(CloseCode.DECODE_ERROR)
            return
        account = self._world.account_by_token(_as_str(data.get("token")))
        if account is None:
            conn.close(CloseCode.AUTHENTICATION_FAILED)
            return
        session = self._sessions.create(account)
        conn.session = session
        session.attach(conn)
        logger.info("session %s identified for user %s", session.session_id, account.user_id)
        version = conn.api_version
        session.dispatch(
            "READY",
            payloads.ready(
                self._world,
                account,
                session_id=session.session_id,
                resume_url=self.resume_url,
                version=version,
            ),
        )
        capabilities = data.get("capabilities")
        supplemental = payloads.SUPPLEMENTAL_CAPABILITIES
        if isinstance(capabilities, int) and capabilities & supplemental == supplemental:
            session.dispatch(
                "READY_SUPPLEMENTAL", payloads.ready_supplemental(self._world, account)
            )
        if self._config.switches.noise_events:
            session.dispatch("SESSIONS_REPLACE", payloads.sessions_replace(session.session_id))

    def _resume(self, conn: GatewayConnection, data: object) -> None:
        if conn.session is not None:
            conn.close(CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict):
            conn.close(CloseCode.DECODE_ERROR)
            return
        account = self._world.account_by_token(_as_str(data.get("token")))
        if account is None:
            conn.close(CloseCode.AUTHENTICATION_FAILED)
            return
        session = self._sessions.get(_as_str(data.get("session_id")))
        if session is None or session.account is not account:
            conn.send(payloads.invalid_session(False))
            return
        given = data.get("seq")
        seq = given if isinstance(given, int) and not isinstance(given, bool) else 0
        if seq > session.seq:
            self._sessions.end(session)
            conn.close(CloseCode.INVALID_SEQ)
            return
        missed = session.replay_after(seq)
        if missed is None:
            self._sessions.end(session)
            conn.send(payloads.invalid_session(False))
            return
        self._take_over(session, conn)
        for payload in missed:
            conn.send(payload)
        session.dispatch("RESUMED", payloads.resumed())
        logger.info(
            "session %s resumed after seq %s (%d replayed)", session.session_id, seq, len(missed)
        )

    def _take_over(self, session: GatewaySession, conn: GatewayConnection) -> None:
        """Attach `conn` to `session`, closing a socket that still serves it (4000, resumable)."""
        old = session.connection
        session.connection = None
        if isinstance(old, GatewayConnection) and old is not conn:
            old.close(CloseCode.UNKNOWN_ERROR, "Session resumed elsewhere.")
        conn.session = session
        session.attach(conn)

    def _after_close(self, conn: GatewayConnection) -> None:
        session = conn.session
        if session is None or session.connection is not conn:
            return
        if _ends_session(conn):
            self._sessions.end(session)
            logger.info("session %s ended", session.session_id)
        else:
            session.detach(conn, resumable=True, window_s=self._config.resume_window_s)

    # -- faults ------------------------------------------------------------------------------
    def _connection_of(self, session_id: str) -> GatewayConnection:
        for conn in self._connections:
            session = conn.session
            if session is not None and session.session_id == session_id and not conn.closing:
                return conn
        raise LookupError(f"No open gateway connection serves session {session_id!r}.")

    def send_reconnect(self, session_id: str, *, close_after_s: float | None = None) -> None:
        conn = self._connection_of(session_id)
        conn.send(payloads.reconnect())
        delay = self._config.reconnect_close_s if close_after_s is None else close_after_s
        self._tasks.spawn(self._close_later(conn, delay), name=f"op7-close-{conn.id}")

    def send_invalid_session(self, session_id: str, *, resumable: bool) -> None:
        conn = self._connection_of(session_id)
        conn.send(payloads.invalid_session(resumable))
        if not resumable and conn.session is not None:
            # The client may identify again on this socket, as Discord allows after op 9.
            self._sessions.end(conn.session)
            conn.session.connection = None
            conn.session = None
        self._tasks.spawn(
            self._close_later(conn, self._config.reconnect_close_s), name=f"op9-close-{conn.id}"
        )

    @staticmethod
    async def _close_later(conn: GatewayConnection, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        conn.close(CloseCode.UNKNOWN_ERROR)

    def close_session(self, session_id: str, code: int, reason: str = "") -> None:
        self._connection_of(session_id).close(code, reason)

    def drop_session(self, session_id: str) -> None:
        self._connection_of(session_id).drop()

    def set_heartbeat_acks(self, session_id: str, *, enabled: bool) -> None:
        session = self._sessions.get(session_id)
        if session is None:
            raise LookupError(f"No live gateway session has the id {session_id!r}.")
        session.ack_heartbeats = enabled

    def request_heartbeat(self, session_id: str) -> None:
        self._connection_of(session_id).send(payloads.heartbeat_request())

    def connection_count(self) -> int:
        return len(self._connections)

    async def aclose(self) -> None:
        """Close every socket with 1001 and wait (briefly) for their handlers to finish."""
        handlers = [task for task in self._connections.values() if task is not None]
        for conn in list(self._connections):
            conn.close(CloseCode.GOING_AWAY)
        if handlers:
            await asyncio.wait(handlers, timeout=3.0)


def _ends_session(conn: GatewayConnection) -> bool:
    """Whether the way `conn` closed ends its session instead of leaving it resumable."""
    if conn.closed_by == "client":
        return conn.client_close_code in SESSION_ENDING_CLIENT_CODES
    if conn.closed_by == "server":
        return conn.server_close_code in SESSION_ENDING_SERVER_CODES
    return False


def _query_refusal(query: Mapping[str, str]) -> CloseCode | None:
    """The close code a bad query string earns, or None when the gateway can serve it."""
    version = query.get("v", "9")
    if not version.isdigit() or int(version) not in SUPPORTED_API_VERSIONS:
        return CloseCode.INVALID_API_VERSION
    if query.get("encoding", "json") != "json":
        return CloseCode.DECODE_ERROR
    if query.get("compress") not in (None, "zlib-stream"):
        return CloseCode.DECODE_ERROR
    return None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
