"""Opening and closing accounts on their engines, with deadlines, at start and on demand."""

from __future__ import annotations

import asyncio
import logging

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.errors import EngineError
from mjproxy.domain.task import TaskStatus
from mjproxy.services.account_health import AccountHealth
from mjproxy.services.jobs import build_job
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import TaskRepository

logger = logging.getLogger(__name__)

_OPEN_TIMEOUT_S = 30.0
_CLOSE_TIMEOUT_S = 10.0
_RESUME_TIMEOUT_S = 30.0


class AccountConnections:
    def __init__(
        self, *, scheduler: Scheduler, health: AccountHealth, store: TaskRepository
    ) -> None:
        self._scheduler = scheduler
        self._health = health
        self._store = store

    async def open(self, account: Account) -> None:
        """Connect an enabled account that no health state holds back; failures disable it."""
        if not account.enabled or account.state is AccountState.DISABLED:
            return
        engine = self._scheduler.engine_for(account)
        if engine is None:
            reason = f"No engine named {account.engine!r} runs in this server."
            logger.warning("account %s: %s", account.id, reason)
            await self._health.change(account, AccountState.DISABLED, reason)
            return
        try:
            async with asyncio.timeout(_OPEN_TIMEOUT_S):
                await engine.open_account(account)
        except Exception as exc:
            logger.exception("account %s: opening it failed", account.id)
            await self._health.change(
                account,
                AccountState.DISABLED,
                f"Opening the account failed: {type(exc).__name__}.",
            )

    async def close(self, account: Account) -> None:
        engine = self._scheduler.engine_for(account)
        if engine is None:
            return
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await engine.close_account(account.id)
        except Exception:
            logger.exception("account %s: closing it failed", account.id)

    async def reattach(self, account: Account) -> None:
        """After reconnecting, the engine follows the account's tasks in flight again."""
        engine = self._scheduler.engine_for(account)
        if engine is None:
            return
        for task_id in self._scheduler.running_on(account.id):
            task = await self._store.get(task_id)
            if task is None or task.status not in (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS):
                continue
            try:
                async with asyncio.timeout(_RESUME_TIMEOUT_S):
                    await engine.resume(await build_job(task, account, self._store))
            except (EngineError, TimeoutError) as exc:
                await self._scheduler.runner.fail_unfinished(
                    task_id, f"The task was lost when its account {account.id} reconnected: {exc}"
                )
