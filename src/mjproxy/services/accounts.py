"""The account pool: which accounts exist, their health, and which may take a given task.

Accounts come from the config file for now (issue 5 moves them into the database); their
state changes as engines report `AccountEvent`s.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable

from mjproxy.config import Settings
from mjproxy.domain.account import Account, AccountState, ModeLimits, Secret
from mjproxy.domain.task import AccountFilter, BotType, Mode
from mjproxy.engines.base import AccountEvent

logger = logging.getLogger(__name__)

_BOTS = frozenset({BotType.MID_JOURNEY, BotType.NIJI_JOURNEY})


def accounts_from_settings(settings: Settings, *, now_ms: int) -> list[Account]:
    """Turn the config file's `accounts` into domain accounts (state: connecting)."""
    accounts = []
    for item in settings.accounts:
        accounts.append(
            Account(
                id=item.id,
                engine=item.engine,
                channel_id=item.channel_id or item.id,
                guild_id=item.guild_id,
                user_token=Secret(item.user_token.get_secret_value()),
                user_agent=item.user_agent,
                enabled=item.enabled,
                bots=frozenset(item.bots),
                modes=frozenset(item.modes),
                limits={
                    mode: ModeLimits(running=lim.running, queued=lim.queued)
                    for mode in Mode
                    for lim in (settings.limits_for(item, mode),)
                },
                remix=item.remix,
                remix_auto_submit=item.remix_auto_submit,
                weight=item.weight,
                remark=item.remark,
                sandbox=item.engine == "sandbox",
                timeout_s=settings.scheduler.task_timeout_s,
                state=AccountState.CONNECTING if item.enabled else AccountState.DISABLED,
                state_reason="" if item.enabled else "Disabled in the configuration.",
                state_since_ms=now_ms,
            )
        )
    return accounts


def matches_filter(account: Account, wanted: AccountFilter | None) -> bool:
    """Whether `account` satisfies a client's `accountFilter` (blank fields match anything)."""
    if wanted is None:
        return True
    if wanted.instance_id and wanted.instance_id != account.id:
        return False
    if wanted.channel_id and wanted.channel_id != account.channel_id:
        return False
    if wanted.remark and wanted.remark not in account.remark:
        return False
    if wanted.remix is not None and wanted.remix != account.remix:
        return False
    if wanted.remix_auto_considered is not None:
        return wanted.remix_auto_considered == account.remix_auto_submit
    return True


class AccountPool:
    """The accounts this server drives, by id, in configuration order."""

    def __init__(self, accounts: Iterable[Account], *, clock_ms: Callable[[], int]) -> None:
        self._accounts = {account.id: account for account in accounts}
        self._clock_ms = clock_ms

    def get(self, account_id: str | None) -> Account | None:
        return self._accounts.get(account_id) if account_id else None

    def all(self) -> list[Account]:
        return list(self._accounts.values())

    def candidates(self, *, bot_type: BotType, wanted: AccountFilter | None) -> list[Account]:
        """Usable accounts that pass the client's filter and, for a Midjourney or niji job,
        have that bot enabled (other work, such as face swap, is up to the engine)."""
        return [
            account
            for account in self._accounts.values()
            if account.is_usable
            and (bot_type not in _BOTS or bot_type in account.bots)
            and matches_filter(account, wanted)
        ]

    def set_state(self, account_id: str, state: AccountState, reason: str = "") -> None:
        account = self._accounts.get(account_id)
        if account is None or (account.state is state and account.state_reason == reason):
            return
        logger.info("account %s %s -> %s %s", account_id, account.state, state, reason)
        account.state = state
        account.state_reason = reason
        account.state_since_ms = self._clock_ms()

    def apply(self, event: AccountEvent) -> Account | None:
        """Record what an engine observed about an account; unknown accounts are ignored."""
        account = self._accounts.get(event.account_id)
        if account is None:
            logger.warning("account %s: event for an unknown account ignored", event.account_id)
            return None
        if event.state is not None:
            if not account.enabled and event.state is not AccountState.DISABLED:
                return account  # an operator's "disabled" outranks what the engine sees
            self.set_state(account.id, event.state, event.reason or "")
        if event.facts is not None:
            account.facts = event.facts
        if event.facts is not None and event.facts.remix is not None:
            account.remix = event.facts.remix
        return account

    def snapshot(self, account_id: str) -> Account | None:
        """A copy callers may keep without seeing later changes."""
        account = self._accounts.get(account_id)
        return dataclasses.replace(account) if account else None
