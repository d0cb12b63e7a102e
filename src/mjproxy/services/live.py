"""Live task updates for streaming clients (Server-Sent Events in `api/routes/streams.py`).

A follower subscribes to the event bus *before* reading the tasks' current state, so no
change can fall between the two; snapshots are then passed on only when newer than the last
one passed on for that task. A snapshot that is not `ready` (a SUCCESS whose image is still
being re-hosted) is held back like for webhooks, so clients see our image URLs. Following
ends when every followed task is finished (and ready); following "all tasks" never ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from mjproxy.domain.task import Task
from mjproxy.services.events import EventBus
from mjproxy.store.base import TaskRepository

_BUFFER = 1024


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Nothing changed for a while; streams send a comment so proxies keep the line open."""


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The follower now hears every change; always the first item a follower yields."""


class TaskFollower:
    """One client's view of some tasks (`task_ids`) or of all tasks it `accepts` (None)."""

    def __init__(
        self,
        *,
        bus: EventBus,
        store: TaskRepository,
        task_ids: Sequence[str] | None,
        accepts: Callable[[Task], bool] = lambda task: True,
        is_ready: Callable[[Task], bool] = lambda task: True,
        heartbeat_s: float = 15.0,
    ) -> None:
        self._bus = bus
        self._store = store
        self._wanted = set(task_ids) if task_ids is not None else None
        self._accepts = accepts
        self._is_ready = is_ready
        self._heartbeat_s = heartbeat_s
        self._versions: dict[str, int] = {}
        self._unfinished: set[str] = set()

    async def follow(self) -> AsyncIterator[Task | Heartbeat | Subscribed]:
        """`Subscribed`, the current state of the tasks, then every change, with heartbeats."""
        async with self._bus.subscribe(self._interesting, maxsize=_BUFFER) as events:
            yield Subscribed()
            if self._wanted is not None:
                for task in await self._current():
                    yield task
                if not self._unfinished:
                    return
            while True:
                try:
                    async with asyncio.timeout(self._heartbeat_s):
                        task = await events.next()
                except TimeoutError:
                    yield Heartbeat()
                    continue
                if self._is_news(task):
                    yield task
                    if self._is_last(task):
                        return

    def _interesting(self, task: Task) -> bool:
        return (self._wanted is None or task.id in self._wanted) and self._accepts(task)

    def _is_done(self, task: Task) -> bool:
        return task.is_terminal and self._is_ready(task)

    async def _current(self) -> list[Task]:
        assert self._wanted is not None
        shown = []
        for task in sorted(await self._store.get_many(sorted(self._wanted)), key=lambda t: t.id):
            if not self._accepts(task):
                continue
            if not self._is_done(task):
                self._unfinished.add(task.id)
            if self._is_ready(task):
                self._versions[task.id] = task.version
                shown.append(task)
        return shown

    def _is_news(self, task: Task) -> bool:
        if task.version <= self._versions.get(task.id, -1) or not self._is_ready(task):
            return False
        self._versions[task.id] = task.version
        return True

    def _is_last(self, task: Task) -> bool:
        if self._wanted is None or not self._is_done(task):
            return False
        self._unfinished.discard(task.id)
        return not self._unfinished
