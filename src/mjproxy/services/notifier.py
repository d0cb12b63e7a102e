"""Turn task changes into webhook deliveries in the outbox (the dispatcher sends them).

Every status or progress change of a task with a hook is enqueued: the task's own
`notifyHook`, else the global hook. The body is the task JSON exactly as fetch returns it,
serialised once here, so every retry sends the same bytes (reference/clients.md §5 item 30).

Rules, per task: a snapshot not newer than the last one enqueued is dropped (never notify
backwards, reference/novicezk.md §3.6); a snapshot that is not `ready` (a SUCCESS whose image
is still being re-hosted) waits for the snapshot that makes it ready; a change that moves
neither status nor progress (a preview URL swapped for our copy) is not announced again; and
a finished task is announced once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from mjproxy.domain.task import Task, TaskStatus
from mjproxy.services.events import EventBus
from mjproxy.services.outbox import RetryPolicy
from mjproxy.store.base import OutboxRepository, TaskRepository
from mjproxy.store.errors import StoreError

logger = logging.getLogger(__name__)

TaskSerializer = Callable[[Task], str]
_REMEMBERED_TASKS = 10_000
_RECOVERY_SCAN = 500
_BUS_BUFFER = 10_000
_FINAL = [status for status in TaskStatus if status.is_terminal]


class WebhookNotifier:
    """Enqueues one delivery per task change; drops changes older than one already enqueued."""

    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        serialize: TaskSerializer,
        retry: RetryPolicy,
        on_enqueued: Callable[[], None],
        global_hook: str | None = None,
        is_ready: Callable[[Task], bool] = lambda task: True,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._outbox = outbox
        self._serialize = serialize
        self._retry = retry
        self._on_enqueued = on_enqueued
        self._global_hook = global_hook or None
        self._is_ready = is_ready
        self._clock_ms = clock_ms
        self._last: OrderedDict[str, _Sent] = OrderedDict()

    async def run(self, bus: EventBus, *, ready: asyncio.Event | None = None) -> None:
        """Enqueue every change published on `bus` until cancelled; `ready` is set once
        subscribed."""
        wanted = lambda task: self.hook_for(task) is not None  # noqa: E731
        async with bus.subscribe(wanted, maxsize=_BUS_BUFFER) as events:
            if ready is not None:
                ready.set()
            current: asyncio.Future[None] | None = None
            dropped = 0
            try:
                async for task in events:
                    if events.dropped > dropped:
                        dropped = events.dropped
                        logger.warning("webhooks: %d task events dropped (too slow)", dropped)
                    current = asyncio.ensure_future(self._notify_logged(task))
                    await asyncio.shield(current)
            except asyncio.CancelledError:
                # Stopping: finish the change in hand, then queue what is still buffered,
                # in order, so a clean shutdown loses no notification.
                if current is not None:
                    await current
                while (left := events.take_nowait()) is not None:
                    await self._notify_logged(left)
                raise

    async def _notify_logged(self, task: Task) -> None:
        try:
            await self.notify(task)
        except StoreError as exc:
            logger.warning("task %s: webhook not queued, the store failed: %s", task.id, exc)

    def hook_for(self, task: Task) -> str | None:
        return (task.notify_hook or "").strip() or self._global_hook

    async def notify(self, task: Task) -> int | None:
        """Enqueue `task`'s current state for its hook; return the delivery id, or None."""
        url = self.hook_for(task)
        if url is None or not self._is_news(task) or not self._is_ready(task):
            return None
        return await self._enqueue(task, url)

    async def recover(self, store: TaskRepository) -> int:
        """After a restart: enqueue recently finished tasks whose final state never was.

        Covers a stop between persisting a task's last change and enqueuing its delivery.
        Returns how many deliveries were added.
        """
        recent, _total = await store.list_recent(limit=_RECOVERY_SCAN, statuses=_FINAL)
        horizon_ms = self._clock_ms() - int(self._retry.retry_window_s * 1000)
        added = 0
        for task in recent:
            url = self.hook_for(task)
            if url is None or not self._is_ready(task) or (task.finish_time_ms or 0) < horizon_ms:
                continue
            if not await self._outbox.has_delivery(task.id, task.version):
                await self._enqueue(task, url)
                added += 1
        if added:
            logger.info("webhooks: %d final states queued that the last run missed", added)
        return added

    def _is_news(self, task: Task) -> bool:
        last = self._last.get(task.id)
        if last is None:
            return True
        if task.version <= last.version or last.status.is_terminal:
            return False
        return (task.status, task.progress) != (last.status, last.progress)

    async def _enqueue(self, task: Task, url: str) -> int:
        now_ms = self._clock_ms()
        delivery_id = await self._outbox.enqueue(
            task_id=task.id,
            task_version=task.version,
            url=url,
            payload=self._serialize(task),
            now_ms=now_ms,
            deadline_ms=now_ms + int(self._retry.retry_window_s * 1000),
        )
        self._remember(task)
        self._on_enqueued()
        logger.debug(
            "task %s v%d queued for its hook as delivery %d", task.id, task.version, delivery_id
        )
        return delivery_id

    def _remember(self, task: Task) -> None:
        self._last[task.id] = _Sent(task.version, task.status, task.progress)
        self._last.move_to_end(task.id)
        while len(self._last) > _REMEMBERED_TASKS:
            self._last.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _Sent:
    version: int
    status: TaskStatus
    progress: int
