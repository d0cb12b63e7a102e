"""The scheduler's books: running slots per account and mode, the waiting lines, the pacing.

- `SlotBook`: which tasks hold a slot on which account in which mode. Limits are read from
  the account every time, so an operator's change applies to the next decision. FAST and
  TURBO share Midjourney's fast slots: together they stay within the FAST running limit
  (and TURBO also within its own).
- `WaitingLine`: one bounded FIFO line per mode for tasks no account could take at once.
- `SubmitPacer`: the random pause an account keeps between two submits.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from mjproxy.domain.account import Account
from mjproxy.domain.task import Mode
from mjproxy.services.placement import Demand

_FAST_POOL = (Mode.FAST, Mode.TURBO)


class SlotBook:
    """Tasks holding slots, with the FAST + TURBO count of each account kept as it changes:
    admission asks every account about its slots for every task, so the answers are
    arithmetic, not sums over sets (1 000 accounts made admission cost ~12 ms a task)."""

    def __init__(self) -> None:
        self._running: dict[tuple[str, Mode], set[str]] = defaultdict(set)
        self._fast_used: dict[str, int] = defaultdict(int)

    def take(self, account_id: str, mode: Mode, task_id: str) -> None:
        held = self._running[(account_id, mode)]
        if task_id not in held and mode in _FAST_POOL:
            self._fast_used[account_id] += 1
        held.add(task_id)

    def free(self, account_id: str, mode: Mode, task_id: str) -> bool:
        """Give the slot back; False when the task held none there."""
        held = self._running.get((account_id, mode))
        if held is None or task_id not in held:
            return False
        held.discard(task_id)
        if mode in _FAST_POOL:
            self._fast_used[account_id] -= 1
        return True

    def running(self, account_id: str, mode: Mode) -> int:
        held = self._running.get((account_id, mode))
        return len(held) if held else 0

    def tasks_of(self, account_id: str) -> list[str]:
        return [
            task_id
            for (owner, _), held in self._running.items()
            if owner == account_id
            for task_id in held
        ]

    def _fast(self, account_id: str) -> int:
        return self._fast_used.get(account_id, 0)

    def has_free_slot(self, account: Account, mode: Mode) -> bool:
        if self.running(account.id, mode) >= account.limits_for(mode).running:
            return False
        if mode in _FAST_POOL:
            return self._fast(account.id) < account.limits_for(Mode.FAST).running
        return True

    def free_slots(self, account: Account, mode: Mode) -> int:
        own = account.limits_for(mode).running - self.running(account.id, mode)
        if mode in _FAST_POOL:
            own = min(own, account.limits_for(Mode.FAST).running - self._fast(account.id))
        return max(0, own)

    def load(self, account: Account, mode: Mode) -> float:
        """The share of the account's running limit in use (its fast pool for FAST/TURBO)."""
        if mode in _FAST_POOL:
            return self._fast(account.id) / max(1, account.limits_for(Mode.FAST).running)
        return self.running(account.id, mode) / max(1, account.limits_for(mode).running)


@dataclass(slots=True)
class Waiter:
    """A task waiting for a slot, in admission `order` across every mode."""

    demand: Demand
    mode: Mode
    order: int

    @property
    def task_id(self) -> str:
        return self.demand.task_id


@dataclass(slots=True)
class WaitingLine:
    """The tasks waiting in one mode, oldest first."""

    mode: Mode
    _waiters: dict[str, Waiter] = field(default_factory=dict)

    def add(self, waiter: Waiter) -> None:
        self._waiters[waiter.task_id] = waiter

    def remove(self, task_id: str) -> Waiter | None:
        return self._waiters.pop(task_id, None)

    def get(self, task_id: str) -> Waiter | None:
        return self._waiters.get(task_id)

    def __iter__(self) -> Iterator[Waiter]:
        return iter(list(self._waiters.values()))

    def __len__(self) -> int:
        return len(self._waiters)

    def first(self, predicate: Callable[[Waiter], bool]) -> Waiter | None:
        return next((w for w in self._waiters.values() if predicate(w)), None)

    def count(self, predicate: Callable[[Waiter], bool]) -> int:
        return sum(1 for w in self._waiters.values() if predicate(w))


class WaitingLines:
    """One `WaitingLine` per mode, with one admission order across them."""

    def __init__(self) -> None:
        self._lines = {mode: WaitingLine(mode) for mode in Mode}
        self._order = itertools.count()

    def line(self, mode: Mode) -> WaitingLine:
        return self._lines[mode]

    def add(self, demand: Demand, mode: Mode) -> Waiter:
        waiter = Waiter(demand, mode, next(self._order))
        self._lines[mode].add(waiter)
        return waiter

    def remove(self, task_id: str, mode: Mode) -> Waiter | None:
        return self._lines[mode].remove(task_id)

    def all(self) -> list[Waiter]:
        return sorted((w for line in self._lines.values() for w in line), key=lambda w: w.order)

    def oldest(self, predicate: Callable[[Waiter], bool]) -> Waiter | None:
        """The oldest waiter, across modes, that `predicate` accepts."""
        found = [w for w in (line.first(predicate) for line in self._lines.values()) if w]
        return min(found, key=lambda w: w.order, default=None)


class SubmitPacer:
    """Keeps an account's submits `pause` apart (a random pause within its range)."""

    def __init__(
        self,
        *,
        rng: random.Random | None = None,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rng = rng or random.Random()
        self._clock_s = clock_s
        self._open_at: dict[str, float] = {}

    def wait_s(self, account_id: str) -> float:
        """How long until the account may submit again (0: now)."""
        return max(0.0, self._open_at.get(account_id, 0.0) - self._clock_s())

    def is_open(self, account_id: str) -> bool:
        return self.wait_s(account_id) <= 0

    def submitted(self, account: Account) -> float:
        """Record a submit; returns the pause drawn (0 when the account has none)."""
        low, high = account.submit_pause_s
        if high <= 0:
            return 0.0
        pause = self._rng.uniform(low, high)
        self._open_at[account.id] = self._clock_s() + pause
        return pause

    def forget(self, account_id: str) -> None:
        self._open_at.pop(account_id, None)
