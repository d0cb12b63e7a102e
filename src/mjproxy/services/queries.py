"""Reads clients make: one task, several by id, the newest, the ones still waiting or running."""

from __future__ import annotations

from collections.abc import Sequence

from mjproxy.domain.errors import TaskNotFound
from mjproxy.domain.task import Task, TaskStatus
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import TaskRepository

_LOOKUP_CHUNK = 500


class TaskQueries:
    def __init__(self, *, store: TaskRepository, scheduler: Scheduler) -> None:
        self._store = store
        self._scheduler = scheduler

    async def get(self, task_id: str) -> Task:
        """The task `task_id`. Raises `TaskNotFound`."""
        task = await self._store.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        """The known tasks among `task_ids`, in the order asked, each once; unknown ids skipped."""
        wanted = list(dict.fromkeys(task_ids))
        found: dict[str, Task] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            for task in await self._store.get_many(wanted[start : start + _LOOKUP_CHUNK]):
                found[task.id] = task
        return [found[task_id] for task_id in wanted if task_id in found]

    async def versions(self, task_ids: Sequence[str]) -> dict[str, int]:
        """The current version of each known task among `task_ids`."""
        wanted = list(dict.fromkeys(task_ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            found.update(await self._store.versions(wanted[start : start + _LOOKUP_CHUNK]))
        return found

    async def recent(
        self, *, limit: int, offset: int, statuses: Sequence[TaskStatus] = ()
    ) -> tuple[list[Task], int]:
        """Newest first, with the total number of matching tasks."""
        return await self._store.list_recent(limit=limit, offset=offset, statuses=statuses)

    async def in_queue(self) -> list[Task]:
        """Tasks holding a slot or waiting for one, oldest first."""
        tasks = await self.get_many(self._scheduler.pending_task_ids())
        return sorted(tasks, key=lambda task: (task.submit_time_ms, int(task.id)))
