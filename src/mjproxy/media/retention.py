"""Delete re-hosted media older than the retention period, on a schedule.

A URL whose file is gone answers 404 (`api/routes/media.py`); nothing else refers to the
files, so deleting them needs no database work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from mjproxy.domain.errors import MediaError
from mjproxy.media.storage import MediaStorage

logger = logging.getLogger(__name__)


class MediaRetention:
    """Removes objects written more than `retention_days` ago; 0 days keeps them forever."""

    def __init__(
        self,
        storage: MediaStorage,
        *,
        retention_days: float,
        clock_s: Callable[[], float] = time.time,
    ) -> None:
        if retention_days < 0:
            raise ValueError(f"Expected retention_days >= 0, but got {retention_days}.")
        self._storage = storage
        self._retention_s = retention_days * 86_400
        self._clock_s = clock_s

    async def sweep(self) -> int:
        """Delete every expired object once; return how many were deleted.

        Raises `MediaError` if the storage cannot be listed or cleaned.
        """
        if self._retention_s == 0:
            return 0
        cutoff_s = self._clock_s() - self._retention_s
        deleted = 0
        async for batch in self._storage.list_objects():
            expired = [item.key for item in batch if item.modified_s < cutoff_s]
            if expired:
                await self._storage.delete(expired)
                deleted += len(expired)
        if deleted:
            logger.info("media retention: %d expired files deleted", deleted)
        return deleted

    async def run(self, *, interval_s: float = 3600.0) -> None:
        """Sweep now, then every `interval_s` until cancelled; failures are logged, not raised."""
        while True:
            try:
                await self.sweep()
            except MediaError as exc:
                logger.warning("media retention sweep failed, will retry: %s", exc)
            await asyncio.sleep(interval_s)
