"""An ordered record of every gateway frame, REST call and bot job step, which tests can await."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.protocol import JsonObject

REDACTED = "[redacted]"


class EntryKind(StrEnum):
    WS_OPEN = "ws.open"  # a websocket connection was accepted (path, query)
    WS_RECV = "ws.recv"  # a client → server payload, decoded
    WS_SEND = "ws.send"  # a server → client payload, before encoding
    WS_CLOSE = "ws.close"  # a connection ended (code, who closed it)
    DISPATCH_DROPPED = "dispatch.dropped"  # an event addressed to a session that does not exist
    REST = "rest"  # one HTTP request and its answer
    JOB = "job"  # a Midjourney job changed status


@dataclass(frozen=True, slots=True)
class Entry:
    """One transcript line. Fields that do not apply to a kind stay None."""

    index: int
    at_ms: int
    kind: EntryKind
    connection_id: int | None = None
    session_id: str | None = None
    user_id: str | None = None
    op: int | None = None
    event: str | None = None
    seq: int | None = None
    payload: Any = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    response: Any = None
    code: int | None = None
    note: str | None = None

    def to_json(self) -> JsonObject:
        data = asdict(self)
        return {key: value for key, value in data.items() if value is not None}


Predicate = Callable[[Entry], bool]


class Transcript:
    """Keeps the last `limit` entries and wakes whoever awaits an entry matching a predicate."""

    def __init__(self, limit: int = 100_000) -> None:
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._next_index = 0
        self._waiters: list[tuple[Predicate, asyncio.Future[Entry]]] = []

    def record(self, kind: EntryKind, **fields: Any) -> Entry:
        entry = Entry(index=self._next_index, at_ms=Clock.now_ms(), kind=kind, **fields)
        self._next_index += 1
        self._entries.append(entry)
        self._wake(entry)
        return entry

    def _wake(self, entry: Entry) -> None:
        still_waiting = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            if predicate(entry):
                future.set_result(entry)
            else:
                still_waiting.append((predicate, future))
        self._waiters = still_waiting

    @property
    def next_index(self) -> int:
        """The index the next entry will get; pass it as `since` to await only what follows."""
        return self._next_index

    def entries(self, *, since: int = 0, kind: EntryKind | None = None) -> list[Entry]:
        return [e for e in self._entries if e.index >= since and (kind is None or e.kind == kind)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries))

    def find(self, predicate: Predicate, *, since: int = 0) -> Entry | None:
        return next((e for e in self._entries if e.index >= since and predicate(e)), None)

    async def wait_for(
        self, predicate: Predicate, *, since: int = 0, timeout_s: float = 10.0
    ) -> Entry:
        """The first entry at or after `since` matching `predicate`, waiting up to `timeout_s`.

        Raises TimeoutError when none arrives in time.
        """
        found = self.find(predicate, since=since)
        if found is not None:
            return found
        future: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            async with asyncio.timeout(timeout_s):
                return await future
        finally:
            future.cancel()


def redact_token(payload: Any) -> Any:
    """A copy of an identify/resume payload with the token masked (tokens never get recorded)."""
    if not isinstance(payload, dict):
        return payload
    data = payload.get("d")
    if isinstance(data, dict) and "token" in data:
        return {**payload, "d": {**data, "token": REDACTED}}
    return payload
