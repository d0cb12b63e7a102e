"""Running a webhook dispatcher in tests, and watching its attempts without sleeping."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import httpx

from mjproxy.domain.deliveries import Delivery, DeliveryAttempt
from mjproxy.domain.task import Task, TaskAction, TaskStatus
from mjproxy.services.hooks import HookPolicy
from mjproxy.services.notifier import WebhookNotifier
from mjproxy.services.outbox import RetryPolicy, WebhookDispatcher
from mjproxy.store.base import OutboxRepository

SECRET = b"test-signing-secret"
FAST_RETRY = RetryPolicy(
    attempt_timeout_s=0.5,
    retry_window_s=60,
    first_delay_s=0.05,
    max_delay_s=0.2,
    lease_margin_s=0.5,
)
LOOPBACK = HookPolicy.from_strings(["127.0.0.1/32"])


def serialize(task: Task) -> str:
    """A stand-in for the fetch JSON: enough fields to check order and content."""
    return json.dumps(
        {
            "id": task.id,
            "status": task.status.value,
            "progress": task.progress_text,
            "v": task.version,
        },
        separators=(",", ":"),
    )


def task_state(task_id: str, version: int, status: TaskStatus, progress: int, hook: str) -> Task:
    return Task(
        id=task_id,
        action=TaskAction.IMAGINE,
        submit_time_ms=1_000,
        status=status,
        progress=progress,
        notify_hook=hook,
        version=version,
    )


@dataclass
class AttemptLog:
    """Every attempt the dispatcher recorded, with a way to await the next matching one."""

    seen: list[tuple[Delivery, DeliveryAttempt]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, delivery: Delivery, attempt: DeliveryAttempt) -> None:
        self.seen.append((delivery, attempt))
        self._changed.set()

    async def wait_for(
        self, predicate: Callable[[DeliveryAttempt], bool], *, after: int = 0, timeout_s: float = 20
    ) -> DeliveryAttempt:
        """The first attempt from index `after` on that satisfies `predicate`."""

        def found() -> DeliveryAttempt | None:
            return next((a for _, a in self.seen[after:] if predicate(a)), None)

        async with asyncio.timeout(timeout_s):
            while (result := found()) is None:
                self._changed.clear()
                await self._changed.wait()
        return result


class Announcements:
    """Feeds an outbox the way `TaskService` does: each state of a task is announced (or not)
    against the state before it, and the delivery written when there is one."""

    def __init__(self, outbox: OutboxRepository, notifier: WebhookNotifier) -> None:
        self._outbox = outbox
        self._notifier = notifier
        self._last: dict[str, Task] = {}

    async def notify(self, task: Task) -> int | None:
        """Write `task`'s delivery if it is news; return its id, or None."""
        announcement = self._notifier.announcement(self._last.get(task.id), task)
        self._last[task.id] = task
        if announcement is None:
            return None
        delivery_id = await self._outbox.enqueue(
            task_id=task.id,
            task_version=task.version,
            url=announcement.url,
            payload=announcement.payload,
            now_ms=announcement.created_ms,
            deadline_ms=announcement.deadline_ms,
        )
        self._notifier.announced()
        return delivery_id


@asynccontextmanager
async def running_dispatcher(
    outbox: OutboxRepository,
    *,
    log: AttemptLog | None = None,
    policy: HookPolicy = LOOPBACK,
    retry: RetryPolicy = FAST_RETRY,
    secret: bytes | None = SECRET,
) -> AsyncIterator[tuple[WebhookDispatcher, Announcements]]:
    """A dispatcher running in the background and announcements feeding it; stopped on exit."""
    async with httpx.AsyncClient(trust_env=False) as client:
        dispatcher = WebhookDispatcher(
            outbox=outbox,
            client=client,
            policy=policy,
            retry=retry,
            signing_secret=secret,
            poll_interval_s=1.0,
            on_attempt=log,
        )
        notifier = WebhookNotifier(serialize=serialize, retry=retry, on_enqueued=dispatcher.wake)
        runner = asyncio.create_task(dispatcher.run())
        try:
            yield dispatcher, Announcements(outbox, notifier)
        finally:
            runner.cancel()
            with suppress(asyncio.CancelledError):
                await runner
