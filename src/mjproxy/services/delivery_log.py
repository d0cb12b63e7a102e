"""The webhook delivery log: what the admin API shows, and pruning of old entries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from mjproxy.store.base import OutboxRepository
from mjproxy.store.errors import StoreError

logger = logging.getLogger(__name__)


def redact_url(url: str) -> str:
    """Scheme, host and port only: receivers often put a token in the path or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}{port}/…"


class DeliveryLogRetention:
    """Deletes finished deliveries older than `retention_days` (0 keeps them forever)."""

    def __init__(
        self,
        outbox: OutboxRepository,
        *,
        retention_days: float,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        if retention_days < 0:
            raise ValueError(f"Expected retention_days >= 0, but got {retention_days}.")
        self._outbox = outbox
        self._retention_ms = int(retention_days * 86_400_000)
        self._clock_ms = clock_ms

    async def sweep(self) -> int:
        """Prune once; return how many deliveries were deleted. Raises `StoreError`."""
        if self._retention_ms == 0:
            return 0
        deleted = await self._outbox.prune(finished_before_ms=self._clock_ms() - self._retention_ms)
        if deleted:
            logger.info("webhook log: %d old deliveries pruned", deleted)
        return deleted

    async def run(self, *, interval_s: float = 3600.0) -> None:
        """Prune now, then every `interval_s` until cancelled; failures are logged, not raised."""
        while True:
            try:
                await self.sweep()
            except StoreError as exc:
                logger.warning("webhook log pruning failed, will retry: %s", exc)
            await asyncio.sleep(interval_s)
