"""Keeping accounts' Midjourney facts fresh: `/info` and `/settings`, on a schedule.

Each ready account is asked when it connects (if its facts are older than the interval)
and then every `pool.sync_interval_s`, shortened by a random share of up to
`pool.sync_jitter` so accounts never ask in step. Asking is throttled: never twice within
`pool.sync_min_gap_s`, whoever asks (the schedule or an operator). The answers come back
through the engine as facts, which `AccountHealth` saves.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable

from mjproxy.config import PoolSettings
from mjproxy.domain.account import Account
from mjproxy.domain.errors import EngineError, InvalidRequest, UpstreamError
from mjproxy.services.accounts import AccountPool
from mjproxy.services.scheduler import Scheduler

logger = logging.getLogger(__name__)

_READY_DELAY_S = (1.0, 5.0)  # after connecting, ask within this many seconds


class SyncTooSoon(InvalidRequest):
    """An operator asked to sync an account that was asked moments ago."""

    def __init__(self, account_id: str, wait_s: float) -> None:
        super().__init__(
            f"The account {account_id} was synced less than the minimum gap ago "
            f"(pool.sync_min_gap_s); try again in {wait_s:.0f} s."
        )
        self.wait_s = wait_s


class AccountSync:
    def __init__(
        self,
        *,
        pool: AccountPool,
        scheduler: Scheduler,
        settings: PoolSettings,
        on_ready: bool,
        clock_ms: Callable[[], int],
        rng: random.Random | None = None,
    ) -> None:
        self._pool = pool
        self._scheduler = scheduler
        self._settings = settings
        self._on_ready = on_ready
        self._clock_ms = clock_ms
        self._rng = rng or random.Random()
        self._due: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._changed = asyncio.Event()

    def account_ready(self, account: Account) -> None:
        """Plan a sync soon after connecting, when the stored facts are stale."""
        if not self._on_ready or account.id in self._due:
            return
        age_s = (self._clock_ms() - (account.facts.updated_ms or 0)) / 1000
        if self._settings.sync_interval_s and age_s < self._settings.sync_interval_s:
            self._plan(account.id, self._interval_s() - age_s)
            return
        self._plan(account.id, self._rng.uniform(*_READY_DELAY_S))

    def forget(self, account_id: str) -> None:
        self._due.pop(account_id, None)
        self._last.pop(account_id, None)

    async def sync_now(self, account: Account) -> None:
        """Ask now (an operator's request). Raises `SyncTooSoon` inside the minimum gap and
        `UpstreamError` when the engine cannot ask."""
        wait_s = self._gap_left_s(account.id)
        if wait_s > 0:
            raise SyncTooSoon(account.id, wait_s)
        await self._sync(account)

    async def run(self) -> None:
        """Sync accounts as they fall due, until cancelled."""
        while True:
            self._changed.clear()
            now = time.monotonic()
            for account_id in [a for a, at in self._due.items() if at <= now]:
                del self._due[account_id]
                account = self._pool.get(account_id)
                if account is None or not account.is_usable:
                    continue  # it is planned again when it is ready
                if self._gap_left_s(account_id) <= 0:
                    try:
                        await self._sync(account)
                    except UpstreamError as exc:
                        logger.warning("account %s: scheduled sync failed: %s", account_id, exc)
                if self._settings.sync_interval_s:
                    self._plan(account_id, self._interval_s())
            upcoming = min(self._due.values(), default=None)
            delay = None if upcoming is None else max(0.0, upcoming - time.monotonic())
            try:
                async with asyncio.timeout(delay):
                    await self._changed.wait()
            except TimeoutError:
                pass

    async def _sync(self, account: Account) -> None:
        engine = self._scheduler.engine_for(account)
        if engine is None:
            raise UpstreamError(f"No engine runs the account {account.id}.")
        self._last[account.id] = time.monotonic()
        try:
            async with asyncio.timeout(self._settings.sync_timeout_s):
                await engine.sync_account(account)
        except TimeoutError:
            raise UpstreamError(
                f"Asking /info for the account {account.id} took longer than "
                f"{self._settings.sync_timeout_s:g} s."
            ) from None
        except EngineError as exc:
            raise UpstreamError(f"Asking /info for the account {account.id} failed: {exc}") from exc
        logger.info("account %s: /info and /settings asked", account.id)

    def _gap_left_s(self, account_id: str) -> float:
        last = self._last.get(account_id)
        if last is None:
            return 0.0
        return max(0.0, self._settings.sync_min_gap_s - (time.monotonic() - last))

    def _interval_s(self) -> float:
        interval = self._settings.sync_interval_s
        return interval * (1.0 - self._rng.uniform(0.0, self._settings.sync_jitter))

    def _plan(self, account_id: str, delay_s: float) -> None:
        self._due[account_id] = time.monotonic() + max(0.0, delay_s)
        self._changed.set()
