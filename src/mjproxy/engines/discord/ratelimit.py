"""Discord REST rate limits: one bucket per route key, learned from `X-RateLimit-*` headers.

A bucket is used as `async with bucket:`; it waits while the bucket is empty and raises
`RateLimited` instead when the wait would exceed the configured maximum. A global 429
pauses every request of the account (discord.py's `http.py` `Ratelimit`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from types import TracebackType

from mjproxy.domain.errors import RateLimited

logger = logging.getLogger(__name__)


class RateLimiter:
    """All buckets of one account, plus the account-wide (global) pause."""

    def __init__(
        self, *, max_wait_s: float = 60.0, clock_s: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_wait_s = max_wait_s
        self.clock_s = clock_s
        self._buckets: dict[str, RouteBucket] = {}
        self._global_until = 0.0

    def bucket(self, key: str) -> RouteBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = RouteBucket(key, self)
        return bucket

    def pause_global(self, seconds: float) -> None:
        self._global_until = max(self._global_until, self.clock_s() + seconds)

    def global_delay_s(self) -> float:
        return max(0.0, self._global_until - self.clock_s())

    async def wait(self, delay_s: float, what: str) -> None:
        if delay_s <= 0:
            return
        if delay_s > self.max_wait_s:
            raise RateLimited(
                f"Discord rate-limits {what} for {delay_s:.1f} s, longer than the "
                f"{self.max_wait_s:.0f} s this server waits; try again later.",
                retry_after_s=delay_s,
            )
        logger.info("rate limit of %s reached; waiting %.2f s", what, delay_s)
        await asyncio.sleep(delay_s)


class RouteBucket:
    def __init__(self, key: str, limiter: RateLimiter) -> None:
        self.key = key
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at = 0.0
        self._limiter = limiter
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> RouteBucket:
        async with self._lock:
            await self._limiter.wait(self._limiter.global_delay_s(), "all requests of the account")
            await self._limiter.wait(self._delay_s(), self.key)
            if self.remaining is not None:
                self.remaining -= 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def _delay_s(self) -> float:
        now = self._limiter.clock_s()
        if self.remaining is None or self.remaining > 0:
            return 0.0
        if now >= self.reset_at:
            self.remaining = None
            return 0.0
        return self.reset_at - now

    def update(self, headers: Mapping[str, str]) -> None:
        """Learn the bucket's state from a response's headers."""
        remaining = headers.get("x-ratelimit-remaining")
        reset_after = headers.get("x-ratelimit-reset-after")
        limit = headers.get("x-ratelimit-limit")
        try:
            if limit is not None:
                self.limit = int(limit)
            if remaining is not None:
                self.remaining = int(remaining)
            if reset_after is not None:
                self.reset_at = self._limiter.clock_s() + float(reset_after)
        except ValueError:
            logger.debug("ignoring malformed rate-limit headers on %s", self.key)

    def pause(self, seconds: float) -> None:
        self.remaining = 0
        self.reset_at = max(self.reset_at, self._limiter.clock_s() + seconds)
