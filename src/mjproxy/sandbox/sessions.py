"""Gateway sessions: sequence numbers, the replay buffer for RESUME, and the resumable window.

A session outlives its connections: it is created by IDENTIFY, carried across sockets by
RESUME, and keeps buffering dispatches while no socket is attached, so a resume replays
exactly what the client missed, with the original `s` values.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.protocol import EventData, JsonObject, Op
from mjproxy.sandbox.snowflakes import Ids


class PayloadSink(Protocol):
    """What a session needs from the socket it is attached to."""

    def send(self, payload: JsonObject) -> None: ...


class GatewaySession:
    def __init__(self, session_id: str, account: Account, *, buffer_size: int) -> None:
        self.session_id = session_id
        self.account = account
        self.seq = 0
        self._buffer: deque[JsonObject] = deque(maxlen=buffer_size)
        self.connection: PayloadSink | None = None
        self.ended = False
        self.resumable_until: float | None = None
        self.ack_heartbeats = True
        self.connections_served = 0

    @property
    def user_id(self) -> str:
        return self.account.user_id

    def dispatch(self, event: str, data: EventData) -> int:
        """Give `event` the next sequence number, keep it for replay, and send it if attached."""
        self.seq += 1
        payload: JsonObject = {"op": int(Op.DISPATCH), "d": data, "s": self.seq, "t": event}
        self._buffer.append(payload)
        if self.connection is not None:
            self.connection.send(payload)
        return self.seq

    def replay_after(self, seq: int) -> list[JsonObject] | None:
        """Dispatches with `s > seq` in order, or None when some of them were already evicted."""
        if seq >= self.seq:
            return []
        missed = [p for p in self._buffer if int(p["s"]) > seq]
        if not missed or int(missed[0]["s"]) != seq + 1:
            return None
        return missed

    def attach(self, connection: PayloadSink) -> None:
        self.connection = connection
        self.resumable_until = None
        self.connections_served += 1

    def detach(self, connection: PayloadSink, *, resumable: bool, window_s: float) -> None:
        """Forget `connection` if it is still the attached one; keep the session for `window_s`."""
        if self.connection is not connection:
            return
        self.connection = None
        if resumable:
            self.resumable_until = Clock.monotonic() + window_s
        else:
            self.ended = True

    def is_alive(self) -> bool:
        if self.ended:
            return False
        if self.connection is not None:
            return True
        return self.resumable_until is not None and Clock.monotonic() < self.resumable_until


class SessionRegistry:
    """Every session that is attached or still resumable, by id."""

    def __init__(self, ids: Ids, *, buffer_size: int) -> None:
        self._ids = ids
        self._buffer_size = buffer_size
        self._sessions: dict[str, GatewaySession] = {}

    def create(self, account: Account) -> GatewaySession:
        session = GatewaySession(self._ids.hex_id(), account, buffer_size=self._buffer_size)
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str | None) -> GatewaySession | None:
        session = self._sessions.get(session_id or "")
        if session is None:
            return None
        if not session.is_alive():
            del self._sessions[session.session_id]
            return None
        return session

    def end(self, session: GatewaySession) -> None:
        session.ended = True
        self._sessions.pop(session.session_id, None)

    def alive(self) -> list[GatewaySession]:
        return [s for s in list(self._sessions.values()) if self.get(s.session_id) is not None]

    def for_user(self, user_id: str) -> list[GatewaySession]:
        return [s for s in self.alive() if s.user_id == user_id]
