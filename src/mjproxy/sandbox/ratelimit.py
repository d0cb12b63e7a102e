"""REST rate-limit buckets: the `X-RateLimit-*` headers on every answer, and 429s when enforced."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from mjproxy.sandbox.clock import Clock


@dataclass(slots=True)
class _Window:
    started: float
    used: int = 0


@dataclass(frozen=True, slots=True)
class BucketState:
    limit: int
    remaining: int
    reset_after_s: float
    bucket: str
    exceeded: bool

    def headers(self) -> dict[str, str]:
        reset_at = time.time() + self.reset_after_s
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": f"{reset_at:.3f}",
            "X-RateLimit-Reset-After": f"{self.reset_after_s:.3f}",
            "X-RateLimit-Bucket": self.bucket,
        }


def rate_limited_headers(
    retry_after_s: float, *, scope: str, is_global: bool, bucket: str | None = None
) -> dict[str, str]:
    """Headers of a 429: `Retry-After` in whole seconds, the scope, and the global flag."""
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after_s))),
        "X-RateLimit-Scope": scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    if bucket is not None:
        headers.update(
            {
                "X-RateLimit-Limit": "1",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{retry_after_s:.3f}",
                "X-RateLimit-Reset": f"{time.time() + retry_after_s:.3f}",
                "X-RateLimit-Bucket": bucket,
            }
        )
    return headers


class RateLimiter:
    """Fixed windows per (user, route template, major id), as Discord's buckets behave."""

    def __init__(self, *, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[tuple[str, str, str], _Window] = {}

    @staticmethod
    def bucket_hash(route_template: str) -> str:
        return hashlib.sha1(route_template.encode()).hexdigest()[:16]

    def hit(self, user_id: str, route_template: str, major_id: str) -> BucketState:
        """Count one request and report the bucket; `exceeded` when over the limit."""
        now = Clock.monotonic()
        key = (user_id, route_template, major_id)
        window = self._windows.get(key)
        if window is None or now - window.started >= self.window_s:
            window = self._windows[key] = _Window(started=now)
        window.used += 1
        reset_after = max(0.0, window.started + self.window_s - now)
        return BucketState(
            limit=self.limit,
            remaining=self.limit - window.used,
            reset_after_s=reset_after,
            bucket=self.bucket_hash(route_template),
            exceeded=window.used > self.limit,
        )
