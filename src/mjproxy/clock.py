"""Wall-clock time for timestamps that go on the wire (epoch milliseconds)."""

from __future__ import annotations

import time


def system_clock_ms() -> int:
    return time.time_ns() // 1_000_000
