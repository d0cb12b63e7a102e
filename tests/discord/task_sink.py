"""What the TaskService does with engine updates, reduced to an in-memory map (tests only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mjproxy.domain.task import (
    BotType,
    StaleUpdate,
    Task,
    TaskAction,
    TaskStatus,
    TaskUpdate,
    apply_update,
)
from mjproxy.engines.base import AccountEvent, EngineSinks


@dataclass
class Services:
    tasks: dict[str, Task] = field(default_factory=dict)
    statuses: dict[str, list[TaskStatus]] = field(default_factory=dict)
    accounts: list[AccountEvent] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def on_update(self, update: TaskUpdate) -> None:
        task = self.tasks[update.task_id]
        try:
            self.tasks[update.task_id] = apply_update(
                task, update, now_ms=time.time_ns() // 1_000_000
            )
        except StaleUpdate:
            return
        if update.status is not None:
            self.statuses.setdefault(update.task_id, []).append(update.status)
        async with self.changed:
            self.changed.notify_all()

    async def on_account(self, event: AccountEvent) -> None:
        self.accounts.append(event)
        async with self.changed:
            self.changed.notify_all()

    async def wait_for_account(
        self, predicate: Callable[[AccountEvent], bool], timeout_s: float = 10.0
    ) -> AccountEvent:
        def found() -> bool:
            return any(predicate(e) for e in self.accounts)

        async with asyncio.timeout(timeout_s), self.changed:
            await self.changed.wait_for(found)
        return next(e for e in self.accounts if predicate(e))

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s), self.changed:
            await self.changed.wait_for(predicate)

    def new_task(
        self,
        task_id: str,
        action: TaskAction,
        prompt: str = "",
        parent_id: str | None = None,
        bot_type: BotType = BotType.MID_JOURNEY,
        account_id: str = "acc",
    ) -> Task:
        task = Task(
            id=task_id,
            action=action,
            submit_time_ms=1,
            prompt=prompt,
            account_id=account_id,
            parent_id=parent_id,
            bot_type=bot_type,
        )
        self.tasks[task_id] = task
        return task

    def done(self, task_id: str) -> bool:
        return self.tasks[task_id].is_terminal

    @property
    def sinks(self) -> EngineSinks:
        return EngineSinks(updates=self.on_update, accounts=self.on_account)
