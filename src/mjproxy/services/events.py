"""The in-process event bus: every persisted task change is published here.

Publishing never blocks and never fails: each subscriber has a bounded buffer, and a
subscriber that falls behind loses its oldest events (it can always re-read the task from
the store). Subscribers are live streams, notifiers and tests; nothing that must not miss
an event (such as freeing a scheduler slot) relies on the bus.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from mjproxy.domain.task import Task

logger = logging.getLogger(__name__)

TaskFilter = Callable[[Task], bool]


class Subscription:
    """One subscriber's view of the bus: an async iterator over task snapshots."""

    def __init__(self, *, maxsize: int, accepts: TaskFilter | None) -> None:
        self._buffer: deque[Task] = deque()
        self._maxsize = maxsize
        self._accepts = accepts
        self._ready = asyncio.Event()
        self.dropped = 0

    def _offer(self, task: Task) -> None:
        if self._accepts is not None and not self._accepts(task):
            return
        if len(self._buffer) >= self._maxsize:
            self._buffer.popleft()
            self.dropped += 1
        self._buffer.append(task)
        self._ready.set()

    async def next(self) -> Task:
        """Wait for the next event (callers put their own deadline around it)."""
        while not self._buffer:
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()

    def take_nowait(self) -> Task | None:
        """The next buffered event, or None at once if there is none (draining at shutdown)."""
        return self._buffer.popleft() if self._buffer else None

    def __aiter__(self) -> AsyncIterator[Task]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Task]:
        while True:
            yield await self.next()


class EventBus:
    """Fan-out of task snapshots to every current subscriber."""

    def __init__(self, *, default_maxsize: int = 256) -> None:
        self._subscribers: set[Subscription] = set()
        self._default_maxsize = default_maxsize
        self.published = 0

    def publish(self, task: Task) -> None:
        """Hand `task` (a snapshot nobody mutates) to every subscriber."""
        self.published += 1
        for subscriber in self._subscribers:
            subscriber._offer(task)

    @asynccontextmanager
    async def subscribe(
        self, accepts: TaskFilter | None = None, *, maxsize: int | None = None
    ) -> AsyncIterator[Subscription]:
        """Receive every task published while the context is open (optionally filtered)."""
        subscription = Subscription(maxsize=maxsize or self._default_maxsize, accepts=accepts)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)
            if subscription.dropped:
                logger.debug("bus subscriber dropped %d events", subscription.dropped)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
