"""Side work a service starts and must not wait for (sending /relax, closing a connection).

Such work runs in the task group of `run()`, owned by the app's lifespan, so shutdown
cancels it and waits for it; nothing is fired and forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self, name: str) -> None:
        self._name = name
        self._group: asyncio.TaskGroup | None = None
        self._started = asyncio.Event()

    async def run(self) -> None:
        """Host spawned work until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                self._started.set()
                await asyncio.Future()  # until cancelled
        finally:
            self._group = None
            self._started.clear()

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `coro` in the background; an exception is logged, never propagated."""
        if self._group is None:
            coro.close()
            logger.warning("%s: %s skipped, the service is not running", self._name, name)
            return
        guarded = self._guarded(coro, name)
        try:
            task = self._group.create_task(guarded, name=name)
        except RuntimeError:  # the group is shutting down
            guarded.close()  # Python 3.11 leaves the coroutine it refused unclosed
            coro.close()
            return
        # Cancelled before it ever ran (a shutdown right after spawning): close the work so
        # it is not reported as "never awaited".
        task.add_done_callback(lambda _: coro.close())

    async def _guarded(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await coro
        except Exception:
            logger.exception("%s: %s failed", self._name, name)
