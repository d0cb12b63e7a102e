"""Starting jobs and enforcing their deadlines: the scheduler's long-lived loop.

The scheduler decides *where* a task runs and hands a `Dispatch` here; the runner records
the placement, counts the job against the account's day, hands the job to the engine (with
a deadline for accepting it) and fails tasks that run past `task_timeout_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from mjproxy.domain.account import Account
from mjproxy.domain.errors import AccountUnusable, EngineError
from mjproxy.domain.task import Mode, Task, TaskStatus, TaskUpdate
from mjproxy.engines.base import Engine, UpdateSink
from mjproxy.services.accounts import AccountPool
from mjproxy.services.jobs import build_job
from mjproxy.services.placement import Eligibility, utc_day
from mjproxy.store.base import AccountRepository, TaskRepository

logger = logging.getLogger(__name__)

_CANCEL_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A task that holds a slot on `account_id` in `mode` and may go to its engine now."""

    task_id: str
    account_id: str
    mode: Mode
    resume: bool = False


UnusableCallback = Callable[[str, str], Awaitable[None]]
"""Told (account id, reason) when an engine says an account cannot work any more."""


async def _ignore_unusable(account_id: str, reason: str) -> None:
    return None


class JobRunner:
    """Runs each dispatched task's start as its own task, and one deadline watcher."""

    def __init__(
        self,
        *,
        pool: AccountPool,
        store: TaskRepository,
        accounts: AccountRepository,
        eligibility: Eligibility,
        task_timeout_s: float,
        start_timeout_s: float,
        holds: Callable[[Dispatch], bool],
        release: Callable[[str], None],
        clock_ms: Callable[[], int],
    ) -> None:
        self._pool = pool
        self._store = store
        self._accounts = accounts
        self._eligibility = eligibility
        self._task_timeout_s = task_timeout_s
        self._start_timeout_s = start_timeout_s
        self._holds = holds
        self._release = release
        self._clock_ms = clock_ms
        self._startable: asyncio.Queue[Dispatch] = asyncio.Queue()
        self._deadlines: dict[str, float] = {}
        self._deadlines_changed = asyncio.Event()
        self._updates: UpdateSink | None = None
        self._group: asyncio.TaskGroup | None = None
        self.on_unusable: UnusableCallback = _ignore_unusable

    def connect(self, updates: UpdateSink) -> None:
        self._updates = updates

    def dispatch(self, dispatch: Dispatch) -> None:
        self._startable.put_nowait(dispatch)

    def forget(self, task_id: str) -> None:
        if self._deadlines.pop(task_id, None) is not None:
            self._deadlines_changed.set()

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `coro` in the runner's task group (work the scheduler starts on the side)."""
        if self._group is None:
            coro.close()
            raise RuntimeError("The scheduler is not running.")
        self._group.create_task(coro, name=name)

    @property
    def is_running(self) -> bool:
        return self._group is not None

    async def run(self) -> None:
        """Start jobs as they are dispatched and enforce deadlines, until cancelled."""
        if self._updates is None:
            raise RuntimeError("Scheduler.connect() must be called before run().")
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                group.create_task(self._watch_deadlines(), name="scheduler-deadlines")
                while True:
                    dispatch = await self._startable.get()
                    group.create_task(
                        self._start_guarded(dispatch), name=f"start-{dispatch.task_id}"
                    )
        finally:
            self._group = None

    # Starting ---------------------------------------------------------------------------

    async def _start_guarded(self, dispatch: Dispatch) -> None:
        # A task boundary: whatever goes wrong here (the database gone, a bug) fails this
        # task and never the scheduler's task group.
        try:
            await self._start(dispatch)
        except Exception as exc:
            logger.exception("task %s: starting it failed", dispatch.task_id)
            await self.fail_quietly(
                dispatch.task_id, f"Internal error while starting: {type(exc).__name__}."
            )

    async def _start(self, dispatch: Dispatch) -> None:
        if not self._holds(dispatch):
            return  # released (cancelled) before its turn came
        task = await self._store.get(dispatch.task_id)
        expected = (
            (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS)
            if dispatch.resume
            else (TaskStatus.NOT_START,)
        )
        if task is None or task.status not in expected:
            self._release(dispatch.task_id)  # cancelled or finished while it waited
            return
        account = self._pool.get(dispatch.account_id)
        engine = self._eligibility.engine_for(account)
        if account is None or engine is None:
            await self.fail(
                task.id, f"No engine can run tasks of the account {dispatch.account_id}."
            )
            return
        if not dispatch.resume:
            task = await self._record_placement(task, account, dispatch.mode)
            await self._count_job(account)
        self._deadlines[task.id] = time.monotonic() + self._task_timeout_s
        self._deadlines_changed.set()
        await self._hand_over(task, account, engine, resume=dispatch.resume)

    async def _record_placement(self, task: Task, account: Account, mode: Mode) -> Task:
        """A task that waited learns its account (and the task JSON shows it) before it runs."""
        if task.account_id == account.id and task.mode is mode:
            return task
        placed = {"discordInstanceId": account.id, "discordChannelId": account.channel_id}
        await self._report(TaskUpdate(task.id, account_id=account.id, mode=mode, properties=placed))
        return dataclasses.replace(
            task, account_id=account.id, mode=mode, properties={**task.properties, **placed}
        )

    async def _count_job(self, account: Account) -> None:
        # The scheduler counted the job in memory when it gave out the slot (so admission
        # sees jobs not started yet); the database keeps the count across restarts.
        day = utc_day(self._clock_ms())
        stored = await self._accounts.count_job(account.id, day=day)
        if account.jobs_day == day:
            account.jobs_today = max(account.jobs_today, stored)

    async def _hand_over(
        self, task: Task, account: Account, engine: Engine, *, resume: bool
    ) -> None:
        verb = "resume" if resume else "start"
        try:
            job = await build_job(task, account, self._store)
            async with asyncio.timeout(self._start_timeout_s):
                await (engine.resume(job) if resume else engine.start(job))
        except AccountUnusable as exc:
            # Disabling the account fails its tasks in flight, this one included.
            await self.on_unusable(account.id, str(exc))
            await self.fail_unfinished(task.id, str(exc))
        except EngineError as exc:
            await self.fail(task.id, str(exc) or f"The {engine.name} engine refused the task.")
        except TimeoutError:
            await self.fail(
                task.id,
                f"The {engine.name} engine did not {verb} the task within "
                f"{self._start_timeout_s:g} s.",
            )
        except Exception as exc:
            logger.exception("task %s: %s on account %s failed", task.id, verb, account.id)
            await self.fail(
                task.id,
                f"Internal error while the task was handed to the engine: {type(exc).__name__}.",
            )
        else:
            logger.debug("task %s: %s on account %s", task.id, verb, account.id)
            if not resume:
                await self._report(TaskUpdate(task.id, status=TaskStatus.SUBMITTED))

    # Deadlines ---------------------------------------------------------------------------

    async def _watch_deadlines(self) -> None:
        while True:
            self._deadlines_changed.clear()
            now = time.monotonic()
            for task_id in [tid for tid, at in self._deadlines.items() if at <= now]:
                del self._deadlines[task_id]
                try:
                    await self._expire(task_id)
                except Exception:
                    logger.exception("task %s: failing it after its timeout failed", task_id)
            upcoming = min(self._deadlines.values(), default=None)
            delay = None if upcoming is None else max(0.0, upcoming - time.monotonic())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._deadlines_changed.wait()

    async def _expire(self, task_id: str) -> None:
        reason = f"Timed out: no result within {self._task_timeout_s:g} s of the task starting."
        logger.warning("task %s: %s", task_id, reason)
        await self.fail(task_id, reason)
        task = await self._store.get(task_id)
        engine = self._eligibility.engine_for(self._pool.get(task.account_id) if task else None)
        if task is not None and engine is not None and self._group is not None:
            self._group.create_task(self._cancel_upstream(engine, task))

    async def _cancel_upstream(self, engine: Engine, task: Task) -> None:
        try:
            async with asyncio.timeout(_CANCEL_TIMEOUT_S):
                await engine.cancel(task)
        except (EngineError, TimeoutError) as exc:
            logger.warning("task %s: the engine could not stop it: %s", task.id, exc)

    # Reporting ---------------------------------------------------------------------------

    async def fail_quietly(self, task_id: str, reason: str) -> None:
        try:
            await self.fail(task_id, reason)
        except Exception:
            logger.exception("task %s: recording its failure failed", task_id)
            self._release(task_id)

    async def fail(self, task_id: str, reason: str) -> None:
        await self._report(TaskUpdate(task_id, status=TaskStatus.FAILURE, fail_reason=reason))

    async def fail_unfinished(self, task_id: str, reason: str) -> None:
        """Fail the task unless it already finished (its own reason is kept)."""
        task = await self._store.get(task_id)
        if task is not None and not task.is_terminal:
            await self.fail(task_id, reason)

    async def _report(self, update: TaskUpdate) -> None:
        assert self._updates is not None
        await self._updates(update)
