"""Gateway transport helpers: zlib-stream inflation and the outgoing send limit."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import deque
from collections.abc import Callable

ZLIB_SUFFIX = b"\x00\x00\xff\xff"


class ZlibStreamInflater:
    """One inflate context per connection; a message ends with a Z_SYNC_FLUSH suffix.

    Discord may split one message over several binary frames, so bytes are buffered until
    a frame ends with `00 00 ff ff` (discord-protocol.md §1.9).
    """

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj()
        self._buffer = bytearray()

    def feed(self, frame: bytes) -> str | None:
        """Add one binary frame; return the decoded message once it is complete."""
        self._buffer.extend(frame)
        if len(frame) < 4 or frame[-4:] != ZLIB_SUFFIX:
            return None
        try:
            data = self._inflater.decompress(bytes(self._buffer))
        except zlib.error as exc:
            raise ValueError(f"the gateway sent a corrupt zlib stream: {exc}") from exc
        finally:
            self._buffer.clear()
        return data.decode("utf-8")


class SendLimiter:
    """Discord allows 120 gateway sends per 60 s; heartbeats must always get through.

    Ordinary sends wait once `limit - reserve` were sent in the window, leaving room for
    heartbeats, which skip the limiter (discord.py keeps 110 of 120 for the same reason).
    """

    def __init__(
        self,
        *,
        limit: int = 120,
        window_s: float = 60.0,
        reserve: int = 10,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._allowed = limit - reserve
        self._window_s = window_s
        self._clock_s = clock_s
        self._sent: deque[float] = deque()

    async def acquire(self) -> None:
        while True:
            now = self._clock_s()
            while self._sent and now - self._sent[0] >= self._window_s:
                self._sent.popleft()
            if len(self._sent) < self._allowed:
                self._sent.append(now)
                return
            await asyncio.sleep(self._window_s - (now - self._sent[0]))
