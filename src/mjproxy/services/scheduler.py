"""The scheduler: which account runs a task, and when it starts.

A new task takes a free slot on an eligible account (chosen by the selection rule,
`selection.py`), trying its modes in order; when every eligible account is busy it waits in
its mode's one fair line (code 22), and when that line is full it is refused (code 23).
Whenever an account can take more work (a slot frees, it becomes ready, its pause between
submits ends, an operator raises its limits) it takes the oldest waiting task it may run.
Follow-up actions are pinned to the account that ran their parent (Discord message ids
only mean something in that account's channel).

Admission is two-phase so a task is never started before it is stored: `admit` reserves a
place (and raises `NoAvailableAccount` / `QueueFull` before anything is written), the
caller stores the task, then `commit` lets it start — or `release` gives the place back.
Starting is done by the `JobRunner` (`job_runner.py`), the scheduler's long-lived loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from mjproxy.clock import system_clock_ms
from mjproxy.domain.account import Account
from mjproxy.domain.errors import NoAvailableAccount, QueueFull
from mjproxy.domain.task import AccountFilter, Mode, Task
from mjproxy.engines.base import Engine, UpdateSink
from mjproxy.services.accounts import AccountPool
from mjproxy.services.job_runner import Dispatch, JobRunner, UnusableCallback
from mjproxy.services.placement import (
    Demand,
    Eligibility,
    demand_of,
    seconds_to_next_utc_day,
)
from mjproxy.services.refusals import refusal
from mjproxy.services.selection import SelectionRule, selection_rule
from mjproxy.services.slots import SlotBook, SubmitPacer, Waiter, WaitingLines
from mjproxy.store.base import AccountRepository, TaskRepository

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Entry:
    demand: Demand
    mode: Mode
    account_id: str | None = None  # set while it holds a slot
    committed: bool = False
    dispatched: bool = False
    resume: bool = False


@dataclass(frozen=True, slots=True)
class Admission:
    """A reserved place: a slot on `account`, or a wait (`queue_position` tasks ahead;
    `account` is then the account it is pinned to, if any)."""

    task_id: str
    account: Account | None
    mode: Mode
    queue_position: int | None


class Scheduler:
    """Slots per account and mode, one fair waiting line per mode, and the job runner."""

    def __init__(
        self,
        *,
        pool: AccountPool,
        store: TaskRepository,
        accounts: AccountRepository,
        task_timeout_s: float,
        start_timeout_s: float,
        selection: str = "least_loaded",
        rng: random.Random | None = None,
        clock_ms: Callable[[], int] = system_clock_ms,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._engines: Mapping[str, Engine] = {}
        self._eligibility = Eligibility(engines=lambda: self._engines, clock_ms=clock_ms)
        self._rule: SelectionRule = selection_rule(
            selection, order=lambda: [a.id for a in pool.all()], rng=rng
        )
        self._slots = SlotBook()
        self._lines = WaitingLines()
        self._pacer = SubmitPacer(rng=rng, clock_s=clock_s)
        self._entries: dict[str, _Entry] = {}
        self._wakeups: dict[str, asyncio.TimerHandle] = {}
        self._runner = JobRunner(
            pool=pool,
            store=store,
            accounts=accounts,
            eligibility=self._eligibility,
            task_timeout_s=task_timeout_s,
            start_timeout_s=start_timeout_s,
            holds=self._holds,
            release=self.release,
            clock_ms=clock_ms,
        )

    def connect(self, *, engines: Mapping[str, Engine], updates: UpdateSink) -> None:
        """Give the scheduler its engines and where to report; done once, before `run`.

        Engines are built after the services they report to, hence this second step.
        """
        self._engines = engines
        self._runner.connect(updates)

    def on_account_unusable(self, callback: UnusableCallback) -> None:
        """Who to tell when an engine refuses a job because the account cannot work."""
        self._runner.on_unusable = callback

    def engine_for(self, account: Account | None) -> Engine | None:
        return self._eligibility.engine_for(account)

    def engine_names(self) -> list[str]:
        return list(self._engines)

    @property
    def rule(self) -> str:
        return self._rule.name

    # Admission -------------------------------------------------------------------------

    def admit(
        self,
        task: Task,
        *,
        modes: Sequence[Mode],
        fallback: Sequence[Mode] = (),
        wanted: AccountFilter | None = None,
        pinned_to: str | None = None,
        demand: Demand | None = None,
    ) -> Admission:
        """Reserve a slot or a waiting place for `task`, trying `modes` in order.

        `fallback` modes are tried only when no account may run any of `modes` at all.
        Raises `NoAvailableAccount` when no ready account may run it, and `QueueFull` when
        the line of every mode it could wait in is full.
        """
        demand = demand or Demand(
            task_id=task.id,
            action=task.action,
            bot_type=task.bot_type,
            wanted=wanted,
            account_ids=frozenset({pinned_to}) if pinned_to else None,
        )
        choices = self._choices(task, demand, modes) or self._choices(task, demand, fallback)
        if not choices:
            raise refusal(self._pool, self._eligibility, task, demand, [*modes, *fallback])
        for mode, accounts in choices:
            free = [a for a in accounts if self._can_start(a, mode)]
            if free:
                chosen = self._rule.pick(free, load=functools.partial(self._load, mode))
                self._entries[task.id] = _Entry(demand, mode)
                self._assign(task.id, chosen, mode)
                return Admission(task.id, chosen, mode, queue_position=None)
        for mode, accounts in choices:
            ahead = self._lines.line(mode).count(functools.partial(self._competes, accounts, mode))
            if ahead < self._room(accounts, mode):
                self._lines.add(demand, mode)
                self._entries[task.id] = _Entry(demand, mode)
                return Admission(task.id, self._pinned(demand), mode, queue_position=ahead)
        raise QueueFull("Every queue that could take this task is full; try again later.")

    def commit(self, admission: Admission) -> None:
        """The task is stored: it may start as soon as it holds a slot."""
        entry = self._entries[admission.task_id]
        entry.committed = True
        if entry.account_id is not None:
            self._dispatch(admission.task_id, entry)

    def release(self, task_id: str) -> None:
        """Forget `task_id` (finished, cancelled or withdrawn) and give its place to the next."""
        entry = self._entries.pop(task_id, None)
        self._runner.forget(task_id)
        if entry is None:
            return
        if entry.account_id is None:
            self._lines.remove(task_id, entry.mode)
        elif self._slots.free(entry.account_id, entry.mode, task_id):
            self.fill(entry.account_id)

    # Restart recovery --------------------------------------------------------------------

    def requeue(self, task: Task, *, fallback_mode: Mode) -> None:
        """Put a stored NOT_START task back in its mode's line, behind those before it.

        Raises `NoAvailableAccount` for a follow-up whose account no longer exists.
        """
        demand = demand_of(task)
        if demand.account_ids is not None and not any(
            self._pool.get(i) for i in demand.account_ids
        ):
            raise NoAvailableAccount(
                f"The account {task.account_id} this task was assigned to no longer exists."
            )
        mode = task.mode or fallback_mode
        self._lines.add(demand, mode)
        self._entries[task.id] = _Entry(demand, mode, committed=True)

    def adopt(self, task: Task, *, fallback_mode: Mode) -> None:
        """A task that was running upstream keeps a slot (even past a lowered limit) and is
        handed back to its engine. Raises `NoAvailableAccount` if its account is gone."""
        account = self._pool.get(task.account_id)
        if account is None:
            raise NoAvailableAccount(
                f"The account {task.account_id} this task was assigned to no longer exists."
            )
        mode = task.mode or fallback_mode
        entry = _Entry(demand_of(task), mode, account.id, committed=True, resume=True)
        self._entries[task.id] = entry
        self._slots.take(account.id, mode, task.id)
        self._dispatch(task.id, entry)

    # Account changes ---------------------------------------------------------------------

    def fill(self, account_id: str) -> None:
        """Let the account take the oldest waiting tasks it may run, while it has room."""
        account = self._pool.get(account_id)
        if account is None or not account.is_usable:
            return
        while self._pacer.is_open(account.id):
            waiter = self._lines.oldest(
                lambda w: (
                    self._slots.has_free_slot(account, w.mode)
                    and self._eligibility.can_run(account, w.demand, w.mode)
                )
            )
            if waiter is None:
                return
            self._lines.remove(waiter.task_id, waiter.mode)
            entry = self._entries[waiter.task_id]
            entry.demand = waiter.demand
            self._assign(waiter.task_id, account, waiter.mode)
        self._wake_later(account.id)

    def fill_all(self) -> None:
        for account in self._pool.all():
            self.fill(account.id)

    async def strand(self, account_id: str, reason: str) -> int:
        """The account is gone (deleted, disabled, quarantined): its waiting follow-ups move
        to another account in the parent's channel when the client allowed it
        (`chooseSameChannel`), else they fail with `reason`. Returns how many failed."""
        failed = []
        for waiter in self._lines.all():
            if waiter.demand.account_ids != frozenset({account_id}):
                continue
            if waiter.demand.same_channel:
                waiter.demand = dataclasses.replace(
                    waiter.demand, account_ids=None, channel_id=waiter.demand.same_channel
                )
                self._entries[waiter.task_id].demand = waiter.demand
                continue
            self._lines.remove(waiter.task_id, waiter.mode)
            self._entries.pop(waiter.task_id, None)
            failed.append((waiter.task_id, reason))
        for waiter in self._lines.all():
            if not self._has_a_home(waiter):
                self._lines.remove(waiter.task_id, waiter.mode)
                self._entries.pop(waiter.task_id, None)
                failed.append((waiter.task_id, f"No account can run it any more. {reason}"))
        for task_id, why in failed:
            await self._runner.fail_unfinished(task_id, why)
        self.fill_all()
        return len(failed)

    def _has_a_home(self, waiter: Waiter) -> bool:
        """Whether any account that is not taken out of the pool could ever run it."""
        return any(
            a.is_in_pool and self._eligibility.can_ever(a, waiter.demand, waiter.mode)
            for a in self._pool.all()
        )

    def running_on(self, account_id: str) -> list[str]:
        """Tasks holding a slot on the account (running, or about to start)."""
        return self._slots.tasks_of(account_id)

    # Queries -----------------------------------------------------------------------------

    def is_dispatched(self, task_id: str) -> bool:
        """Whether the task was handed to its engine (or is being handed right now)."""
        entry = self._entries.get(task_id)
        return entry is not None and entry.dispatched

    def pending_task_ids(self) -> list[str]:
        """Every task holding a slot or waiting for one."""
        return list(self._entries)

    def counts(self, account_id: str) -> dict[Mode, tuple[int, int]]:
        """(running, waiting) per mode for one account; waiting counts the waiting tasks
        this account could take (a task waiting for several accounts counts for each)."""
        account = self._pool.get(account_id)
        result: dict[Mode, tuple[int, int]] = {}
        for mode in Mode:
            waiting = 0
            if account is not None:
                waiting = self._lines.line(mode).count(
                    functools.partial(self._competes, [account], mode)
                )
            result[mode] = (self._slots.running(account_id, mode), waiting)
        return result

    # The long-lived loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Start jobs as they get slots and enforce deadlines, until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._runner.run(), name="job-runner")
                group.create_task(self._refill_daily(), name="scheduler-days")
        finally:
            for handle in self._wakeups.values():
                handle.cancel()
            self._wakeups.clear()

    @property
    def runner(self) -> JobRunner:
        return self._runner

    # Internals ---------------------------------------------------------------------------

    def _choices(
        self, task: Task, demand: Demand, modes: Iterable[Mode]
    ) -> list[tuple[Mode, list[Account]]]:
        choices = []
        for mode in dict.fromkeys(modes):
            accounts = [
                a for a in self._pool.all() if self._eligibility.can_wait_for(a, demand, mode)
            ]
            if accounts:
                choices.append((mode, accounts))
        return choices

    def _pinned(self, demand: Demand) -> Account | None:
        """The one account a waiting follow-up is pinned to, if it is pinned to one."""
        if demand.account_ids is None or len(demand.account_ids) != 1:
            return None
        return self._pool.get(next(iter(demand.account_ids)))

    def _load(self, mode: Mode, account: Account) -> float:
        return self._slots.load(account, mode)

    def _competes(self, accounts: Sequence[Account], mode: Mode, waiter: Waiter) -> bool:
        """Whether a waiting task could take one of these accounts' slots."""
        return any(self._eligibility.can_ever(a, waiter.demand, mode) for a in accounts)

    def _can_start(self, account: Account, mode: Mode) -> bool:
        return (
            account.is_usable
            and self._slots.has_free_slot(account, mode)
            and self._pacer.is_open(account.id)
        )

    def _room(self, accounts: Sequence[Account], mode: Mode) -> int:
        """How many tasks may wait for these accounts: their queue limits, plus free slots
        that only their pause between submits keeps empty."""
        return sum(a.limits_for(mode).queued + self._slots.free_slots(a, mode) for a in accounts)

    def _assign(self, task_id: str, account: Account, mode: Mode) -> None:
        entry = self._entries[task_id]
        entry.account_id = account.id
        entry.mode = mode
        self._slots.take(account.id, mode, task_id)
        account.jobs_today = account.jobs_on(self._eligibility.today()) + 1
        account.jobs_day = self._eligibility.today()
        if self._pacer.submitted(account) > 0:
            self._wake_later(account.id)
        if entry.committed:
            self._dispatch(task_id, entry)

    def _dispatch(self, task_id: str, entry: _Entry) -> None:
        assert entry.account_id is not None
        entry.dispatched = True
        self._runner.dispatch(Dispatch(task_id, entry.account_id, entry.mode, entry.resume))

    def _holds(self, dispatch: Dispatch) -> bool:
        entry = self._entries.get(dispatch.task_id)
        return entry is not None and entry.account_id == dispatch.account_id

    def _wake_later(self, account_id: str) -> None:
        """Fill the account again once its pause between submits is over."""
        delay = self._pacer.wait_s(account_id)
        if delay <= 0 or account_id in self._wakeups:
            return
        loop = asyncio.get_running_loop()

        def wake() -> None:
            self._wakeups.pop(account_id, None)
            self.fill(account_id)

        self._wakeups[account_id] = loop.call_later(delay, wake)

    async def _refill_daily(self) -> None:
        # Daily limits start over at midnight UTC: accounts that stopped may take work again.
        while True:
            await asyncio.sleep(seconds_to_next_utc_day())
            self.fill_all()
