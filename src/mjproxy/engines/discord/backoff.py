"""Reconnect delays: capped exponential backoff with full jitter that resets when calm."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Delay = uniform(0, min(cap, base · 2^attempt)) ("full jitter", AWS architecture blog).

    The attempt count resets once a connection stayed up for `quiet_s`, so one blip after
    hours of calm does not inherit old penalties (discord.py's `ExponentialBackoff`).
    """

    def __init__(
        self,
        *,
        base_s: float = 1.0,
        cap_s: float = 60.0,
        quiet_s: float = 60.0,
        rng: random.Random | None = None,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_s = base_s
        self._cap_s = cap_s
        self._quiet_s = quiet_s
        self._rng = rng or random.Random()
        self._clock_s = clock_s
        self._attempt = 0
        self._up_since: float | None = None

    def connected(self) -> None:
        """Note that a connection became healthy now."""
        self._up_since = self._clock_s()

    def first_delay_s(self) -> float:
        """A delay as for a first attempt, without counting one."""
        return self._rng.uniform(0.0, min(self._cap_s, self._base_s))

    def next_delay_s(self) -> float:
        if self._up_since is not None and self._clock_s() - self._up_since >= self._quiet_s:
            self._attempt = 0
        self._up_since = None
        ceiling = min(self._cap_s, self._base_s * (2**self._attempt))
        self._attempt = min(self._attempt + 1, 30)
        return self._rng.uniform(0.0, ceiling)
