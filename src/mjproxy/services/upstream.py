"""Requests served straight by an engine, not as tasks: uploading images, reading a seed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from mjproxy.domain.errors import (
    EngineError,
    NoAvailableAccount,
    TaskNotFound,
    UpstreamError,
    WrongTaskStatus,
)
from mjproxy.domain.task import (
    AccountFilter,
    BotType,
    ImageInput,
    TaskAction,
    TaskStatus,
    TaskUpdate,
)
from mjproxy.engines.base import UpdateSink
from mjproxy.services.accounts import AccountPool
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import TaskRepository


class UpstreamCalls:
    """Upload images and fetch seeds through the engine of a suitable account."""

    def __init__(
        self,
        *,
        store: TaskRepository,
        pool: AccountPool,
        scheduler: Scheduler,
        updates: UpdateSink,
        timeout_s: float,
    ) -> None:
        self._store = store
        self._pool = pool
        self._scheduler = scheduler
        self._updates = updates
        self._timeout_s = timeout_s

    async def upload(
        self, images: Sequence[ImageInput], *, wanted: AccountFilter | None
    ) -> list[str]:
        """Upload `images` through the first ready account that can; one URL per image.

        Raises `NoAvailableAccount` and `UpstreamError`.
        """
        for account in self._pool.candidates(bot_type=BotType.MID_JOURNEY, wanted=wanted):
            engine = self._scheduler.engine_for(account)
            if engine is None or not engine.supports(TaskAction.UPLOAD, account):
                continue
            try:
                async with asyncio.timeout(self._timeout_s):
                    return await engine.upload_images(account, images)
            except (EngineError, TimeoutError) as exc:
                raise UpstreamError(
                    f"Uploading through account {account.id} failed: {exc}"
                ) from exc
        raise NoAvailableAccount("No ready account can upload images.")

    async def seed(self, task_id: str) -> str:
        """The seed of a finished task, asked upstream the first time and then remembered.

        Raises `TaskNotFound`, `WrongTaskStatus` and `UpstreamError`.
        """
        task = await self._store.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        if task.seed:
            return task.seed
        if task.status is not TaskStatus.SUCCESS:
            raise WrongTaskStatus(
                task.id,
                task.status,
                needed="a seed exists only once a task has finished with SUCCESS",
            )
        account = self._pool.get(task.account_id)
        engine = self._scheduler.engine_for(account)
        if account is None or engine is None:
            raise NoAvailableAccount(
                f"The account {task.account_id} that ran the task is not available."
            )
        try:
            async with asyncio.timeout(self._timeout_s):
                seed = await engine.fetch_seed(task, account)
        except (EngineError, TimeoutError) as exc:
            raise UpstreamError(f"Reading the seed of task {task.id} failed: {exc}") from exc
        await self._updates(TaskUpdate(task.id, seed=seed))
        return seed
