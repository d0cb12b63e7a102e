"""Turn task changes into webhook deliveries in the outbox (the dispatcher sends them).

Every status or progress change of a task with a hook is enqueued: the task's own
`notifyHook`, else the global hook. The body is the task JSON exactly as fetch returns it,
serialised once here, so every retry sends the same bytes (reference/clients.md §5 item 30).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from mjproxy.domain.task import Task
from mjproxy.services.outbox import RetryPolicy
from mjproxy.store.base import OutboxRepository

logger = logging.getLogger(__name__)

TaskSerializer = Callable[[Task], str]
_REMEMBERED_TASKS = 10_000


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
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._outbox = outbox
        self._serialize = serialize
        self._retry = retry
        self._on_enqueued = on_enqueued
        self._global_hook = global_hook or None
        self._clock_ms = clock_ms
        # The last version enqueued per task: an event bus may repeat or reorder a change,
        # and novicezk's rule (reference/novicezk.md §3.6) is never to notify backwards.
        self._last_version: OrderedDict[str, int] = OrderedDict()

    def hook_for(self, task: Task) -> str | None:
        return (task.notify_hook or "").strip() or self._global_hook

    async def notify(self, task: Task) -> int | None:
        """Enqueue `task`'s current state for its hook; return the delivery id, or None."""
        url = self.hook_for(task)
        if url is None or task.version <= self._last_version.get(task.id, -1):
            return None
        now_ms = self._clock_ms()
        delivery_id = await self._outbox.enqueue(
            task_id=task.id,
            task_version=task.version,
            url=url,
            payload=self._serialize(task),
            now_ms=now_ms,
            deadline_ms=now_ms + int(self._retry.retry_window_s * 1000),
        )
        self._remember(task.id, task.version)
        self._on_enqueued()
        logger.debug(
            "task %s v%d queued for its hook as delivery %d", task.id, task.version, delivery_id
        )
        return delivery_id

    def _remember(self, task_id: str, version: int) -> None:
        self._last_version[task_id] = version
        self._last_version.move_to_end(task_id)
        while len(self._last_version) > _REMEMBERED_TASKS:
            self._last_version.popitem(last=False)
