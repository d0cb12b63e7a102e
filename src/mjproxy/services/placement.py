"""Which accounts may run a task: its demand, and the checks an account must pass.

A `Demand` is everything about a task that decides where it may run; it is built once at
admission (or after a restart, from the stored task) and kept while the task waits, so an
account freeing a slot can ask "may I run this one?" without reading the store.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mjproxy.domain.account import Account
from mjproxy.domain.task import AccountFilter, BotType, Mode, Task, TaskAction
from mjproxy.engines.base import Engine
from mjproxy.services.accounts import has_bot, matches_filter

SAME_CHANNEL_KEY = "request.same_channel"
"""Engine-state key: the parent's channel, when the client allowed `chooseSameChannel`."""


@dataclass(frozen=True, slots=True)
class Demand:
    """What a task needs from an account.

    `account_ids` pins a follow-up to the account(s) that can see its parent's message;
    `channel_id` allows any account in that channel instead (`chooseSameChannel` after
    the parent's account is gone).
    """

    task_id: str
    action: TaskAction
    bot_type: BotType
    wanted: AccountFilter | None = None
    account_ids: frozenset[str] | None = None
    channel_id: str | None = None
    same_channel: str | None = None  # the channel a stranded follow-up may move within

    @property
    def is_pinned(self) -> bool:
        return self.account_ids is not None or self.channel_id is not None

    def allows(self, account: Account) -> bool:
        """The static part: pinning, client filter, bot (no health, load or mode)."""
        if self.account_ids is not None and account.id not in self.account_ids:
            return False
        if self.channel_id is not None and account.channel_id != self.channel_id:
            return False
        return has_bot(account, self.bot_type) and matches_filter(account, self.wanted)


def demand_of(task: Task) -> Demand:
    """The demand of a stored task (restart recovery): follow-ups stay where they were put."""
    same_channel = task.engine_state.get(SAME_CHANNEL_KEY)
    channel = same_channel if isinstance(same_channel, str) and same_channel else None
    follow_up = bool(task.parent_id or task.custom_id)
    return Demand(
        task_id=task.id,
        action=task.action,
        bot_type=task.bot_type,
        wanted=task.account_filter,
        account_ids=frozenset({task.account_id}) if follow_up and task.account_id else None,
        channel_id=channel if follow_up and not task.account_id else None,
        same_channel=channel,
    )


def follow_up_demand(
    task: Task, account_id: str | None, *, parent_account: Account | None
) -> Demand:
    """A follow-up runs where its parent's message is: the parent's account, or — when the
    client allowed `chooseSameChannel` and that account is gone — any account in the
    parent's channel."""
    same = task.engine_state.get(SAME_CHANNEL_KEY)
    same_channel = same if isinstance(same, str) and same else None
    gone = parent_account is None or not parent_account.enabled or parent_account.is_sticky
    if same_channel and gone:
        return Demand(
            task.id, task.action, task.bot_type, channel_id=same_channel,
            same_channel=same_channel,
        )  # fmt: skip
    return Demand(
        task.id, task.action, task.bot_type,
        account_ids=frozenset({account_id}) if account_id else frozenset(),
        same_channel=same_channel,
    )  # fmt: skip


def utc_day(now_ms: int) -> str:
    """The UTC calendar day of `now_ms`, as daily job counters are kept."""
    return datetime.datetime.fromtimestamp(now_ms / 1000, tz=datetime.UTC).date().isoformat()


def seconds_to_next_utc_day() -> float:
    now = datetime.datetime.now(datetime.UTC)
    tomorrow = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    return (tomorrow - now).total_seconds()


class Eligibility:
    """Decides whether an account may run a task in a mode, right now or in principle."""

    def __init__(
        self, *, engines: Callable[[], Mapping[str, Engine]], clock_ms: Callable[[], int]
    ) -> None:
        self._engines = engines
        self._clock_ms = clock_ms

    def engine_for(self, account: Account | None) -> Engine | None:
        return self._engines().get(account.engine) if account else None

    def can_ever(self, account: Account, demand: Demand, mode: Mode) -> bool:
        """Everything but health and daily limit: would it run here once the account is up?"""
        engine = self.engine_for(account)
        return (
            demand.allows(account)
            and account.allows_mode(mode)
            and engine is not None
            and engine.supports(demand.action, account)
        )

    def can_run(self, account: Account, demand: Demand, mode: Mode) -> bool:
        """May `account` take `demand` in `mode` now, load aside (health, daily limit)?"""
        return account.is_usable and self.can_wait_for(account, demand, mode)

    def can_wait_for(self, account: Account, demand: Demand, mode: Mode) -> bool:
        """May `demand` wait for `account`: it is ready or (re)connecting, has jobs left
        today and could run it?"""
        return (
            account.is_in_pool
            # The day is only worked out for an account with a limit: it is asked for every
            # account at every admission.
            and (account.daily_limit is None or account.has_jobs_left(self.today()))
            and self.can_ever(account, demand, mode)
        )

    def today(self) -> str:
        return utc_day(self._clock_ms())
