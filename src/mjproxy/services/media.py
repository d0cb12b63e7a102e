"""Point every finished task (and every progress preview) at mjproxy's own copy of its image.

Listens to the event bus. When a task succeeds with a CDN image, the image is re-hosted
(`media/rehost.py`) and the task is updated through the task service: `imageUrl` becomes our
URL, `imageUrls` the four quadrants of a grid, and `properties` keep the CDN URL
(`cdnImageUrl`), the thumbnail (`thumbnailUrl`) and `mediaStatus` (`stored` or `failed`).
A task is "settled" once that is done; the webhook notifier holds back SUCCESS until then, so
hooks carry our URLs. Work is coalesced per task: only a task's newest snapshot is handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from mjproxy.domain.errors import MediaError
from mjproxy.domain.task import Task, TaskStatus, TaskUpdate
from mjproxy.media.rehost import GRID_ACTIONS, ResultRehoster
from mjproxy.services.events import EventBus
from mjproxy.store.base import TaskRepository

logger = logging.getLogger(__name__)

MEDIA_STATUS = "mediaStatus"
CDN_IMAGE_URL = "cdnImageUrl"
THUMBNAIL_URL = "thumbnailUrl"
_SETTLED = frozenset({"stored", "failed"})
_BUS_BUFFER = 10_000
_RECOVERY_SCAN = 500


class TaskUpdater(Protocol):
    """The part of `TaskService` this service uses."""

    async def record(
        self, update: TaskUpdate, *, only_if: Callable[[Task], bool] | None = None
    ) -> Task | None: ...


def needs_result_rehost(task: Task) -> bool:
    """A succeeded task whose image has not been re-hosted (or given up on) yet."""
    return (
        task.status is TaskStatus.SUCCESS
        and bool(task.image_url)
        and task.properties.get(MEDIA_STATUS) not in _SETTLED
    )


class MediaService:
    """Re-hosts results and previews of tasks as their snapshots go by on the bus."""

    def __init__(
        self,
        *,
        rehoster: ResultRehoster,
        tasks: TaskUpdater,
        bus: EventBus,
        previews: bool = True,
        concurrency: int = 4,
    ) -> None:
        self._rehoster = rehoster
        self._tasks = tasks
        self._bus = bus
        self._previews = previews
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._latest: dict[str, Task] = {}
        self._group: asyncio.TaskGroup | None = None

    def is_settled(self, task: Task) -> bool:
        """Whether `task` may be announced as it is (no re-hosting of its result pending)."""
        return not needs_result_rehost(task)

    async def run(self, *, ready: asyncio.Event | None = None) -> None:
        """Follow the bus until cancelled; `ready` is set once subscribed."""
        async with (
            self._bus.subscribe(self._wants, maxsize=_BUS_BUFFER) as subscription,
            asyncio.TaskGroup() as group,
        ):
            self._group = group
            if ready is not None:
                ready.set()
            dropped = 0
            async for task in subscription:
                if subscription.dropped > dropped:
                    dropped = subscription.dropped
                    logger.warning("media: %d task events dropped (too slow)", dropped)
                self.schedule(task)

    def schedule(self, task: Task) -> None:
        """Handle `task` soon; a newer snapshot of the same task replaces a waiting one."""
        assert self._group is not None, "schedule() is for a running MediaService"
        first = task.id not in self._latest
        self._latest[task.id] = task
        if first:
            self._group.create_task(self._drain(task.id))

    async def recover(self, store: TaskRepository) -> int:
        """After a restart: re-host recent successes that were never settled. Returns how many."""
        recent, _total = await store.list_recent(
            limit=_RECOVERY_SCAN, statuses=[TaskStatus.SUCCESS]
        )
        pending = [task for task in recent if needs_result_rehost(task)]
        for task in pending:
            self.schedule(task)
        if pending:
            logger.info("media: re-hosting %d results left over from the last run", len(pending))
        return len(pending)

    def _wants(self, task: Task) -> bool:
        if needs_result_rehost(task):
            return True
        return self._previews and self._is_foreign_preview(task)

    def _is_foreign_preview(self, task: Task) -> bool:
        return (
            task.status in (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS)
            and bool(task.image_url)
            and not self._rehoster.owns(task.image_url or "")
        )

    async def _drain(self, task_id: str) -> None:
        try:
            while task_id in self._latest:
                task = self._latest[task_id]
                async with self._slots:
                    await self._handle(task)
                if self._latest.get(task_id) is task:
                    del self._latest[task_id]
        except Exception:
            self._latest.pop(task_id, None)
            logger.exception("media: task %s could not be handled", task_id)

    async def _handle(self, task: Task) -> None:
        if needs_result_rehost(task):
            await self._store_result(task)
        elif self._previews and self._is_foreign_preview(task):
            await self._store_preview(task)

    async def _store_result(self, task: Task) -> None:
        source = task.image_url or ""
        try:
            result = await self._rehoster.rehost_result(
                task.id, source, is_grid=task.action in GRID_ACTIONS
            )
        except MediaError as exc:
            logger.warning("task %s: result not re-hosted, keeping the CDN URL: %s", task.id, exc)
            update = TaskUpdate(task.id, properties={MEDIA_STATUS: "failed", CDN_IMAGE_URL: source})
        else:
            update = TaskUpdate(
                task.id,
                image_url=result.image_url,
                image_urls=result.image_urls,
                properties={
                    MEDIA_STATUS: "stored",
                    CDN_IMAGE_URL: source,
                    THUMBNAIL_URL: result.thumbnail_url,
                },
            )
        await self._tasks.record(update, only_if=lambda current: current.image_url == source)

    async def _store_preview(self, task: Task) -> None:
        source = task.image_url or ""
        try:
            url = await self._rehoster.rehost_preview(task.id, source, progress=task.progress)
        except MediaError as exc:
            logger.debug("task %s: preview not re-hosted: %s", task.id, exc)
            return

        def still_this_preview(current: Task) -> bool:
            return current.image_url == source and not current.is_terminal

        await self._tasks.record(
            TaskUpdate(task.id, image_url=url, properties={CDN_IMAGE_URL: source}),
            only_if=still_this_preview,
        )
