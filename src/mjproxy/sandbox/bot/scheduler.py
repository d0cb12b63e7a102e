"""Per-account slots by plan: concurrent fast/turbo and relax jobs, and a bounded queue."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.sandbox.accounts import Account, Mode


class Admission(StrEnum):
    RUNNING = "running"  # a slot was free
    QUEUED = "queued"  # the job waits ("Job queued")
    FULL = "full"  # the queue is full too ("Queue full")


@dataclass(slots=True)
class _Pool:
    running: int = 0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)


def pool_name(mode: Mode) -> str:
    """Turbo jobs take fast slots; relax jobs have their own."""
    return "relax" if mode == Mode.RELAX else "fast"


class PlanScheduler:
    def __init__(self, *, queue_depth: int) -> None:
        self.queue_depth = queue_depth
        self._pools: dict[tuple[str, str], _Pool] = {}

    def _pool(self, account: Account, mode: Mode) -> _Pool:
        return self._pools.setdefault((account.user_id, pool_name(mode)), _Pool())

    @staticmethod
    def limit(account: Account, mode: Mode) -> int:
        limits = account.limits
        return limits.relax_concurrency if mode == Mode.RELAX else limits.fast_concurrency

    def admit(self, account: Account, mode: Mode) -> Admission:
        """Take a slot if one is free; otherwise say whether the job may wait in line."""
        pool = self._pool(account, mode)
        if pool.running < self.limit(account, mode):
            pool.running += 1
            return Admission.RUNNING
        if self.queued(account) >= self.queue_depth:
            return Admission.FULL
        return Admission.QUEUED

    async def wait_for_slot(self, account: Account, mode: Mode) -> None:
        """Wait in line (FIFO) until a finishing job hands its slot over."""
        pool = self._pool(account, mode)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pool.waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(account, mode)  # the slot arrived as we were cancelled: pass it on
            elif turn in pool.waiters:
                pool.waiters.remove(turn)
            raise

    def release(self, account: Account, mode: Mode) -> None:
        pool = self._pool(account, mode)
        while pool.waiters:
            turn = pool.waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes straight to the next in line
                return
        pool.running = max(0, pool.running - 1)

    @asynccontextmanager
    async def holding(self, account: Account, mode: Mode) -> AsyncIterator[None]:
        """Release the slot the caller already holds when the block ends, however it ends."""
        try:
            yield
        finally:
            self.release(account, mode)

    def running(self, account: Account, mode: Mode) -> int:
        return self._pool(account, mode).running

    def queued(self, account: Account, mode: Mode | None = None) -> int:
        modes = [mode] if mode is not None else [Mode.FAST, Mode.RELAX]
        return sum(sum(1 for w in self._pool(account, m).waiters if not w.done()) for m in modes)
