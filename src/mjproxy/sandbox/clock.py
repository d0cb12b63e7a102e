"""Simulated time: one speed factor divides every bot delay, so demos feel real and tests run in ms.

Protocol timings a client reads off the wire (the heartbeat interval in HELLO, the resume
window) are deliberately *not* scaled: the client paces itself by them, and scaling them would
make the client, not the simulator, the thing under stress.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class Clock:
    """Scales simulated delays by `speed` (2.0 = twice as fast as real Midjourney)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"Expected a speed factor above 0, but got {value!r}.")
        self._speed = float(value)

    def scaled(self, seconds: float) -> float:
        """Real seconds that `seconds` of simulated Midjourney time take at the current speed."""
        return max(0.0, seconds) / self._speed

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time; always yields to the loop, even for 0."""
        await asyncio.sleep(self.scaled(seconds))

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def now_ms() -> int:
        """Wall-clock epoch milliseconds, for ids and timestamps that go on the wire."""
        return time.time_ns() // 1_000_000

    @staticmethod
    def iso_timestamp(epoch_ms: int | None = None) -> str:
        """Discord's timestamp format: `2024-05-01T12:00:00.123000+00:00`."""
        ms = Clock.now_ms() if epoch_ms is None else epoch_ms
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="microseconds")
