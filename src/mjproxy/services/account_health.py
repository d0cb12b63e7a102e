"""Account health: what engines observe about accounts, and what the pool does about it.

This is the engines' `AccountSink`. Rules (docs/accounts.md):
- `connecting` / `ready` follow the connection, except that a quarantined or disabled
  account stays so until an operator enables or reconnects it (states survive restarts);
- captcha or "Action needed" → `quarantined`: no new work; its waiting follow-ups move to
  another account of the same channel when allowed, else fail; tasks in flight may finish;
- fatal gateway close, HTTP 401/403, "Blocked", "Subscription required" → `disabled`: no
  work, tasks in flight fail with the reason, the connection is closed;
- fast time used up → FAST and TURBO are no longer chosen for it; with `auto_relax` the
  account is switched to relax mode (`/relax`), and its reason says so.
Every change is saved, told to the scheduler, and sent to the account alert webhook.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.errors import EngineError
from mjproxy.domain.task import Mode
from mjproxy.engines.base import AccountEvent
from mjproxy.services.account_alerts import AccountAlerts
from mjproxy.services.accounts import AccountPool
from mjproxy.services.background import BackgroundWork
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import AccountRepository

logger = logging.getLogger(__name__)

_RELAXED = "Relaxed"
_MODE_TIMEOUT_S = 30.0
_CLOSE_TIMEOUT_S = 10.0


def relax_reason(account: Account) -> str:
    """The ready reason of an account whose fast time is used up."""
    if not account.auto_relax:
        return "Fast time is used up: only RELAX jobs are sent to it (auto-relax is off)."
    if is_relaxed(account):
        return "Fast time is used up: switched to relax mode (auto-relax); only RELAX jobs."
    return "Fast time is used up: only RELAX jobs are sent to it; switching to relax mode."


def is_relaxed(account: Account) -> bool:
    return (account.facts.job_mode or "").lower().startswith("relax")


class AccountHealth:
    """Applies account events; `change` is the one way any service moves an account's state."""

    def __init__(
        self,
        *,
        pool: AccountPool,
        repository: AccountRepository,
        scheduler: Scheduler,
        alerts: AccountAlerts | None,
        clock_ms: Callable[[], int],
        relax_retry_s: float = 3600.0,
    ) -> None:
        self._pool = pool
        self._repository = repository
        self._scheduler = scheduler
        self._alerts = alerts
        self._clock_ms = clock_ms
        self._relax_retry_s = relax_retry_s
        self._relax_tried: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self.background = BackgroundWork("account health")
        self.ready_listeners: list[Callable[[Account], None]] = []

    # The sink engines report to ---------------------------------------------------------

    async def __call__(self, event: AccountEvent) -> None:
        account = self._pool.get(event.account_id)
        if account is None:
            logger.warning("account %s: event for an unknown account ignored", event.account_id)
            return
        if event.facts is not None:
            await self._record_facts(account, event.facts)
        if event.state is not None:
            await self._engine_state(account, event.state, event.reason or "")

    async def account_unusable(self, account_id: str, reason: str) -> None:
        """An engine refused a job because the account cannot work (HTTP 401/403)."""
        account = self._pool.get(account_id)
        if account is not None and account.enabled:
            await self.change(account, AccountState.DISABLED, reason)

    # State --------------------------------------------------------------------------------

    async def change(self, account: Account, state: AccountState, reason: str) -> None:
        """Move `account` to `state`: save it, alert, and let the scheduler react."""
        previous, previous_reason = account.state, account.state_reason
        if not self._pool.set_state(account.id, state, reason):
            return
        await self._repository.save_state(
            account.id, state=state, reason=reason, since_ms=account.state_since_ms
        )
        if self._alerts is not None:
            await self._alerts.state_changed(
                account, previous=previous, previous_reason=previous_reason
            )
        await self._notify()
        if state is AccountState.READY:
            self._scheduler.fill(account.id)
            self._relax_if_needed(account)
            for listener in self.ready_listeners:
                listener(account)
        elif account.is_sticky or not account.enabled:
            await self._take_out(account, reason)

    async def _engine_state(self, account: Account, state: AccountState, reason: str) -> None:
        if not account.enabled:
            return  # an operator's "disabled" outranks what the engine sees
        if account.is_sticky and state in (AccountState.CONNECTING, AccountState.READY):
            logger.debug("account %s stays %s (engine says %s)", account.id, account.state, state)
            return
        if state is AccountState.READY and account.facts.fast_exhausted:
            reason = relax_reason(account)
        await self.change(account, state, reason)

    async def _take_out(self, account: Account, reason: str) -> None:
        why = f"The account {account.id} is {account.state}: {reason}"
        await self._scheduler.strand(account.id, why)
        if account.state is not AccountState.DISABLED:
            return  # a quarantined account keeps its connection: tasks in flight may finish
        for task_id in self._scheduler.running_on(account.id):
            await self._scheduler.runner.fail_unfinished(task_id, why)
        self.background.spawn(self._close(account.id), name=f"close-{account.id}")

    async def _close(self, account_id: str) -> None:
        account = self._pool.get(account_id)
        engine = self._scheduler.engine_for(account)
        if engine is None:
            return
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await engine.close_account(account_id)
        except (EngineError, TimeoutError) as exc:
            logger.warning("account %s: closing its connection failed: %s", account_id, exc)

    # Facts --------------------------------------------------------------------------------

    async def _record_facts(self, account: Account, facts: MidjourneyFacts) -> None:
        was_exhausted = account.facts.fast_exhausted
        if facts.job_mode is None and account.facts.job_mode is not None:
            facts = dataclasses.replace(facts, job_mode=account.facts.job_mode)
        account.facts = dataclasses.replace(facts, updated_ms=self._clock_ms())
        if facts.remix is not None:
            account.remix = facts.remix
        await self._repository.save_facts(account.id, account.facts)
        await self._notify()
        if facts.fast_exhausted != was_exhausted and account.state is AccountState.READY:
            reason = relax_reason(account) if facts.fast_exhausted else "Fast time available again."
            await self.change(account, AccountState.READY, reason)
        self._scheduler.fill(account.id)

    async def wait_for_facts(self, account_id: str, *, after_ms: int, timeout_s: float) -> bool:
        """Wait until the account's facts were updated after `after_ms`; False on timeout."""
        return await self.wait_until(
            account_id, lambda a: (a.facts.updated_ms or 0) > after_ms, timeout_s=timeout_s
        )

    async def wait_until(
        self, account_id: str, predicate: Callable[[Account], bool], *, timeout_s: float
    ) -> bool:
        """Wait until `predicate` holds for the account (checked at every change of its
        state or facts); False on timeout or when the account is gone."""

        def holds() -> bool:
            account = self._pool.get(account_id)
            return account is not None and predicate(account)

        try:
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(holds)
        except TimeoutError:
            return False
        return True

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # Auto-relax ---------------------------------------------------------------------------

    def _relax_if_needed(self, account: Account) -> None:
        if not (account.auto_relax and account.facts.fast_exhausted) or is_relaxed(account):
            return
        last = self._relax_tried.get(account.id)
        if last is not None and time.monotonic() - last < self._relax_retry_s:
            return
        self._relax_tried[account.id] = time.monotonic()
        self.background.spawn(self._relax(account.id), name=f"relax-{account.id}")

    async def _relax(self, account_id: str) -> None:
        account = self._pool.get(account_id)
        engine = self._scheduler.engine_for(account)
        if account is None or engine is None:
            return
        try:
            async with asyncio.timeout(_MODE_TIMEOUT_S):
                await engine.set_mode(account, Mode.RELAX)
        except (EngineError, TimeoutError) as exc:
            logger.warning("account %s: switching to relax mode failed: %s", account_id, exc)
            return
        facts = dataclasses.replace(account.facts, job_mode=_RELAXED)
        account.facts = facts
        await self._repository.save_facts(account.id, facts)
        logger.info("account %s switched to relax mode: its fast time is used up", account_id)
        if account.state is AccountState.READY:
            await self.change(account, AccountState.READY, relax_reason(account))
        await self._notify()
