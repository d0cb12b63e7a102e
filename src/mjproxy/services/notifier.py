"""Which task changes become webhook deliveries, and what each delivery carries.

Every status or progress change of a task with a hook is announced: to the task's own
`notifyHook`, else the global hook. The body is the task JSON exactly as fetch returns it,
serialised once here, so every retry sends the same bytes (reference/clients.md §5 item 30).

`TaskService` asks `announcement(old, new)` for every task state it writes and stores the
answer in the same transaction as the state (a transactional outbox), so a change is never
saved without its delivery, or announced without being saved, whenever the process stops.

Rules, comparing the new state with the stored one it replaces: a state that is not `ready`
(a SUCCESS whose image is still being re-hosted) is not announced, and the state that makes
it ready is; a change that moves neither status nor progress (a preview URL swapped for our
copy) is not announced again; and a finished task is announced once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mjproxy.domain.deliveries import Announcement
from mjproxy.domain.task import Task
from mjproxy.services.outbox import RetryPolicy

TaskSerializer = Callable[[Task], str]


class WebhookNotifier:
    """Decides the delivery (if any) that announces a task change."""

    def __init__(
        self,
        *,
        serialize: TaskSerializer,
        retry: RetryPolicy,
        on_enqueued: Callable[[], None],
        global_hook: str | None = None,
        is_ready: Callable[[Task], bool] = lambda task: True,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._serialize = serialize
        self._retry = retry
        self._on_enqueued = on_enqueued
        self._global_hook = global_hook or None
        self._is_ready = is_ready
        self._clock_ms = clock_ms

    def hook_for(self, task: Task) -> str | None:
        return (task.notify_hook or "").strip() or self._global_hook

    def announcement(self, old: Task | None, new: Task) -> Announcement | None:
        """The delivery announcing `new`, which replaces the stored `old` (None: a new task)."""
        url = self.hook_for(new)
        if url is None or not self._is_ready(new) or not self._is_news(old, new):
            return None
        now_ms = self._clock_ms()
        return Announcement(
            url=url,
            payload=self._serialize(new),
            created_ms=now_ms,
            deadline_ms=now_ms + int(self._retry.retry_window_s * 1000),
        )

    def announced(self) -> None:
        """An announcement was stored: the dispatcher may send it now."""
        self._on_enqueued()

    def _is_news(self, old: Task | None, new: Task) -> bool:
        if old is None or not self._is_ready(old):
            return True  # never announced as it was
        if old.is_terminal:
            return False
        return (new.status, new.progress) != (old.status, old.progress)
