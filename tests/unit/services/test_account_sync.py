"""Account facts on a schedule: every interval, shortened by a random share, never too often.

Only lower bounds on the gaps between syncs are asserted: a busy machine can make a gap
longer, never shorter.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from mjproxy.config import PoolSettings
from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.services.account_sync import AccountSync, SyncTooSoon
from mjproxy.services.accounts import AccountPool

WAIT_S = 10.0


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class RecordingRandom(random.Random):
    """A seeded generator that remembers the ranges it was asked to draw from."""

    def __init__(self, seed: int = 7) -> None:
        super().__init__(seed)
        self.ranges: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.ranges.append((a, b))
        return super().uniform(a, b)


class CountingEngine:
    """Stands in for the scheduler and its engine: AccountSync asks only for `sync_account`."""

    def __init__(self) -> None:
        self.synced_at: list[float] = []
        self.changed = asyncio.Event()

    def engine_for(self, account: Account) -> CountingEngine:
        return self

    async def sync_account(self, account: Account) -> None:
        self.synced_at.append(time.monotonic())
        self.changed.set()

    async def wait_for(self, count: int) -> list[float]:
        async with asyncio.timeout(WAIT_S):
            while len(self.synced_at) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.synced_at[:count]


@asynccontextmanager
async def running(
    settings: PoolSettings, rng: random.Random, *, facts_age_ms: int = 0
) -> AsyncIterator[tuple[AccountSync, CountingEngine, Callable[[], Account]]]:
    account = Account(id="acc-1", engine="scripted", channel_id="c-1", state=AccountState.READY)
    account.facts = MidjourneyFacts(updated_ms=now_ms() - facts_age_ms)
    pool = AccountPool([account], clock_ms=now_ms)
    engine = CountingEngine()
    scheduler: Any = engine
    sync = AccountSync(
        pool=pool,
        scheduler=scheduler,
        settings=settings,
        on_ready=True,
        clock_ms=now_ms,
        rng=rng,
    )
    task = asyncio.create_task(sync.run())
    try:
        yield sync, engine, lambda: account
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


async def test_a_ready_account_is_synced_again_every_jittered_interval() -> None:
    settings = PoolSettings(sync_interval_s=0.2, sync_jitter=0.5, sync_min_gap_s=0)
    rng = RecordingRandom()
    async with running(settings, rng) as (sync, engine, account):
        sync.account_ready(account())  # fresh facts: the first sync waits an interval
        times = await engine.wait_for(4)
    assert min(gaps(times)) >= 0.2 * 0.5 - 0.01
    # Every planned interval drew its own share of the jitter.
    assert rng.ranges.count((0.0, 0.5)) >= 4


async def test_stale_facts_are_asked_for_soon_after_connecting() -> None:
    settings = PoolSettings(sync_interval_s=3600, sync_jitter=0.5, sync_min_gap_s=0)
    rng = RecordingRandom(seed=31)  # draws 1.05 s, the low end of the range
    async with running(settings, rng, facts_age_ms=7_200_000) as (sync, engine, account):
        sync.account_ready(account())
        await engine.wait_for(1)
    assert rng.ranges[0] == (1.0, 5.0)  # within seconds, at a random moment


async def test_the_minimum_gap_throttles_the_schedule_and_operators() -> None:
    settings = PoolSettings(sync_interval_s=0.02, sync_jitter=0.0, sync_min_gap_s=0.3)
    async with running(settings, RecordingRandom()) as (sync, engine, account):
        sync.account_ready(account())
        times = await engine.wait_for(3)
        with pytest.raises(SyncTooSoon, match=r"pool\.sync_min_gap_s"):
            await sync.sync_now(account())
    assert min(gaps(times)) >= 0.3 - 0.01


async def test_an_account_that_is_not_ready_is_skipped_until_it_is() -> None:
    settings = PoolSettings(sync_interval_s=0.05, sync_jitter=0.0, sync_min_gap_s=0)
    async with running(settings, RecordingRandom(seed=31)) as (sync, engine, account):
        account().state = AccountState.QUARANTINED
        sync.account_ready(account())
        await asyncio.sleep(0.3)
        skipped = list(engine.synced_at)
        account().state = AccountState.READY
        sync.account_ready(account())
        await engine.wait_for(1)
    assert skipped == []
