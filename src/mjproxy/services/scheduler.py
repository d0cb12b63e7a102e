"""The scheduler: which account runs a task, when it starts, and how long it may run.

Each account has one *lane* per speed mode: up to `running` tasks hold a slot, up to
`queued` more wait in FIFO order. A new task takes a free slot on the least-loaded eligible
account, else waits in the shortest queue (code 22), else is refused (code 23). Follow-up
actions are pinned to the account that ran their parent, because Discord message ids only
mean something in that account's channel.

Admission is two-phase so a task is never started before it is stored: `admit` reserves a
place (and raises `NoAvailableAccount` / `QueueFull` before anything is written), the
caller stores the task, then `commit` lets it start — or `release` gives the place back.
Starting is done by `run()`, the scheduler's long-lived loop, which calls the engine and
watches every running task's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mjproxy.domain.account import Account, ModeLimits
from mjproxy.domain.errors import EngineError, NoAvailableAccount, QueueFull
from mjproxy.domain.task import AccountFilter, Mode, Task, TaskStatus, TaskUpdate
from mjproxy.engines.base import AccountEvent, Engine, UpdateSink
from mjproxy.services.accounts import AccountPool
from mjproxy.services.jobs import build_job
from mjproxy.store.base import TaskRepository

logger = logging.getLogger(__name__)

NO_ACCOUNT_CONFIGURED = (
    "No account is configured. Add a Discord account under 'accounts:' in the config file "
    "(see docs/discord.md), or run 'mjproxy serve --sandbox' to try the API against the "
    "built-in simulator."
)

_CANCEL_TIMEOUT_S = 10.0


@dataclass(slots=True)
class _Lane:
    """One account's work in one speed mode."""

    account_id: str
    mode: Mode
    limits: ModeLimits
    running: set[str] = field(default_factory=set)
    waiting: deque[str] = field(default_factory=deque)

    @property
    def has_free_slot(self) -> bool:
        return len(self.running) < self.limits.running

    @property
    def has_queue_room(self) -> bool:
        return len(self.waiting) < self.limits.queued

    @property
    def load(self) -> float:
        return (len(self.running) + len(self.waiting)) / self.limits.running


@dataclass(slots=True)
class _Entry:
    account_id: str
    mode: Mode
    committed: bool = False
    dispatched: bool = False
    resume: bool = False


@dataclass(frozen=True, slots=True)
class Admission:
    """A reserved place. `queue_position` is None for a running slot, else tasks ahead."""

    task_id: str
    account: Account
    mode: Mode
    queue_position: int | None


class Scheduler:
    """Per-account, per-mode slots and queues; starts jobs and enforces the task timeout."""

    def __init__(
        self,
        *,
        pool: AccountPool,
        store: TaskRepository,
        task_timeout_s: float,
        start_timeout_s: float,
    ) -> None:
        self._pool = pool
        self._store = store
        self._task_timeout_s = task_timeout_s
        self._start_timeout_s = start_timeout_s
        self._lanes: dict[tuple[str, Mode], _Lane] = {}
        self._entries: dict[str, _Entry] = {}
        self._startable: asyncio.Queue[str] = asyncio.Queue()
        self._deadlines: dict[str, float] = {}
        self._deadlines_changed = asyncio.Event()
        self._engines: Mapping[str, Engine] = {}
        self._updates: UpdateSink | None = None
        self._group: asyncio.TaskGroup | None = None

    def connect(self, *, engines: Mapping[str, Engine], updates: UpdateSink) -> None:
        """Give the scheduler its engines and where to report; done once, before `run`.

        Engines are built after the services they report to, hence this second step.
        """
        self._engines = engines
        self._updates = updates

    def engine_for(self, account: Account | None) -> Engine | None:
        return self._engines.get(account.engine) if account else None

    # Admission -------------------------------------------------------------------------

    def admit(
        self,
        task: Task,
        *,
        modes: Sequence[Mode],
        wanted: AccountFilter | None = None,
        pinned_to: str | None = None,
    ) -> Admission:
        """Reserve a slot or a queue place for `task`, trying `modes` in order.

        Raises `NoAvailableAccount` when no ready account may run it at all, and
        `QueueFull` when every queue that could take it is full.
        """
        accounts = self._eligible(task, wanted=wanted, pinned_to=pinned_to)
        lanes_by_mode = [
            [self._lane(account, mode) for account in accounts if account.allows_mode(mode)]
            for mode in modes
        ]
        if not any(lanes_by_mode):
            names = ", ".join(mode.value for mode in modes)
            raise NoAvailableAccount(f"No ready account runs tasks in the {names} mode.")
        for lanes in lanes_by_mode:
            free = [lane for lane in lanes if lane.has_free_slot]
            if free:
                return self._reserve(task.id, min(free, key=self._rank), waiting=False)
        for lanes in lanes_by_mode:
            room = [lane for lane in lanes if lane.has_queue_room]
            if room:
                return self._reserve(task.id, min(room, key=self._rank), waiting=True)
        raise QueueFull("Every queue that could take this task is full; try again later.")

    def commit(self, admission: Admission) -> None:
        """The task is stored: it may start as soon as it holds a slot."""
        entry = self._entries[admission.task_id]
        entry.committed = True
        if admission.task_id in self._lane_of(entry).running:
            self._dispatch(admission.task_id)

    def release(self, task_id: str) -> None:
        """Forget `task_id` (finished, cancelled or withdrawn) and give its place to the next."""
        entry = self._entries.pop(task_id, None)
        if self._deadlines.pop(task_id, None) is not None:
            self._deadlines_changed.set()
        if entry is None:
            return
        lane = self._lane_of(entry)
        if task_id in lane.running:
            lane.running.discard(task_id)
            self._promote(lane)
        elif task_id in lane.waiting:
            lane.waiting.remove(task_id)

    def requeue(self, task: Task, *, fallback_mode: Mode) -> None:
        """Restart recovery: put a stored NOT_START task back at the end of its lane."""
        account = self._recovered_account(task)
        lane = self._lane(account, task.mode or fallback_mode)
        lane.waiting.append(task.id)
        self._entries[task.id] = _Entry(lane.account_id, lane.mode, committed=True)
        self._promote(lane)

    def adopt(self, task: Task, *, fallback_mode: Mode) -> None:
        """Restart recovery: a task that was running upstream keeps a slot and is resumed."""
        account = self._recovered_account(task)
        lane = self._lane(account, task.mode or fallback_mode)
        lane.running.add(task.id)
        self._entries[task.id] = _Entry(lane.account_id, lane.mode, committed=True, resume=True)
        self._dispatch(task.id)

    def is_dispatched(self, task_id: str) -> bool:
        """Whether the task was handed to its engine (or is being handed right now)."""
        entry = self._entries.get(task_id)
        return entry is not None and entry.dispatched

    def pending_task_ids(self) -> list[str]:
        """Every task holding a slot or waiting for one."""
        return list(self._entries)

    def counts(self, account_id: str) -> dict[Mode, tuple[int, int]]:
        """(running, waiting) per mode for one account."""
        return {
            mode: (len(lane.running), len(lane.waiting))
            for (owner, mode), lane in self._lanes.items()
            if owner == account_id
        }

    async def account_event(self, event: AccountEvent) -> None:
        """The `AccountSink` engines report to: record it; a ready account gets work."""
        account = self._pool.apply(event)
        if account is not None and account.is_usable:
            for (owner, _), lane in list(self._lanes.items()):
                if owner == account.id:
                    self._promote(lane)

    # The long-lived loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Start jobs as they get slots and enforce deadlines, until cancelled."""
        if self._updates is None:
            raise RuntimeError("Scheduler.connect() must be called before run().")
        async with asyncio.TaskGroup() as group:
            self._group = group
            group.create_task(self._watch_deadlines(), name="scheduler-deadlines")
            while True:
                task_id = await self._startable.get()
                group.create_task(self._start_guarded(task_id), name=f"start-{task_id}")

    async def _start_guarded(self, task_id: str) -> None:
        # A task boundary: whatever goes wrong here (the database gone, a bug) fails this
        # task and never the scheduler's task group.
        try:
            await self._start(task_id)
        except Exception as exc:
            logger.exception("task %s: starting it failed", task_id)
            await self._fail_quietly(
                task_id, f"Internal error while starting: {type(exc).__name__}."
            )

    async def _start(self, task_id: str) -> None:
        entry = self._entries.get(task_id)
        if entry is None:
            return
        task = await self._store.get(task_id)
        expected = (
            (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS)
            if entry.resume
            else (TaskStatus.NOT_START,)
        )
        if task is None or task.status not in expected:
            self.release(task_id)  # cancelled or finished while it waited
            return
        account = self._pool.get(entry.account_id)
        engine = self.engine_for(account)
        if account is None or engine is None:
            await self._fail(task_id, f"No engine can run tasks of the account {entry.account_id}.")
            return
        self._deadlines[task_id] = time.monotonic() + self._task_timeout_s
        self._deadlines_changed.set()
        await self._hand_over(task, account, engine, resume=entry.resume)

    async def _hand_over(
        self, task: Task, account: Account, engine: Engine, *, resume: bool
    ) -> None:
        verb = "resume" if resume else "start"
        try:
            job = await build_job(task, account, self._store)
            async with asyncio.timeout(self._start_timeout_s):
                await (engine.resume(job) if resume else engine.start(job))
        except EngineError as exc:
            await self._fail(task.id, str(exc) or f"The {engine.name} engine refused the task.")
        except TimeoutError:
            await self._fail(
                task.id,
                f"The {engine.name} engine did not {verb} the task within "
                f"{self._start_timeout_s:g} s.",
            )
        except Exception as exc:
            logger.exception("task %s: %s on account %s failed", task.id, verb, account.id)
            await self._fail(
                task.id,
                f"Internal error while the task was handed to the engine: {type(exc).__name__}.",
            )
        else:
            logger.debug("task %s: %s on account %s", task.id, verb, account.id)
            if not resume:
                await self._report(TaskUpdate(task.id, status=TaskStatus.SUBMITTED))

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
        await self._fail(task_id, reason)
        task = await self._store.get(task_id)
        engine = self.engine_for(self._pool.get(task.account_id) if task else None)
        if task is not None and engine is not None and self._group is not None:
            self._group.create_task(self._cancel_upstream(engine, task))

    async def _cancel_upstream(self, engine: Engine, task: Task) -> None:
        try:
            async with asyncio.timeout(_CANCEL_TIMEOUT_S):
                await engine.cancel(task)
        except (EngineError, TimeoutError) as exc:
            logger.warning("task %s: the engine could not stop it: %s", task.id, exc)

    async def _fail_quietly(self, task_id: str, reason: str) -> None:
        try:
            await self._fail(task_id, reason)
        except Exception:
            logger.exception("task %s: recording its failure failed", task_id)
            self.release(task_id)

    async def _fail(self, task_id: str, reason: str) -> None:
        await self._report(TaskUpdate(task_id, status=TaskStatus.FAILURE, fail_reason=reason))

    async def _report(self, update: TaskUpdate) -> None:
        assert self._updates is not None
        await self._updates(update)

    # Lanes -----------------------------------------------------------------------------

    def _eligible(
        self, task: Task, *, wanted: AccountFilter | None, pinned_to: str | None
    ) -> list[Account]:
        if pinned_to is not None:
            account = self._pool.get(pinned_to)
            if account is None or not account.is_usable:
                state = f" ({account.state}: {account.state_reason})" if account else ""
                raise NoAvailableAccount(
                    f"The account {pinned_to} that ran the parent task is not available{state}."
                )
            accounts = [account]
        else:
            if not self._pool.all():
                raise NoAvailableAccount(NO_ACCOUNT_CONFIGURED)
            accounts = self._pool.candidates(bot_type=task.bot_type, wanted=wanted)
        able = [
            account
            for account in accounts
            if (engine := self.engine_for(account)) is not None
            and engine.supports(task.action, account)
        ]
        if not able:
            raise NoAvailableAccount(
                f"No ready account can run {task.action} tasks for {task.bot_type}."
            )
        return able

    def _lane(self, account: Account, mode: Mode) -> _Lane:
        key = (account.id, mode)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(account.id, mode, account.limits_for(mode))
        return lane

    def _lane_of(self, entry: _Entry) -> _Lane:
        return self._lanes[(entry.account_id, entry.mode)]

    def _rank(self, lane: _Lane) -> tuple[float, int, str]:
        account = self._pool.get(lane.account_id)
        return (lane.load, -(account.weight if account else 1), lane.account_id)

    def _reserve(self, task_id: str, lane: _Lane, *, waiting: bool) -> Admission:
        account = self._pool.get(lane.account_id)
        assert account is not None
        self._entries[task_id] = _Entry(lane.account_id, lane.mode)
        if waiting:
            lane.waiting.append(task_id)
            return Admission(task_id, account, lane.mode, queue_position=len(lane.waiting) - 1)
        lane.running.add(task_id)
        return Admission(task_id, account, lane.mode, queue_position=None)

    def _promote(self, lane: _Lane) -> None:
        account = self._pool.get(lane.account_id)
        if account is None or not account.is_usable:
            return
        while lane.has_free_slot and lane.waiting:
            task_id = lane.waiting.popleft()
            lane.running.add(task_id)
            if self._entries[task_id].committed:
                self._dispatch(task_id)

    def _dispatch(self, task_id: str) -> None:
        self._entries[task_id].dispatched = True
        self._startable.put_nowait(task_id)

    def _recovered_account(self, task: Task) -> Account:
        account = self._pool.get(task.account_id)
        if account is None:
            raise NoAvailableAccount(
                f"The account {task.account_id} this task was assigned to is no longer configured."
            )
        return account
