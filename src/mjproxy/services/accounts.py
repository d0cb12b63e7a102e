"""The account pool in memory: which accounts exist, and which may take a given task.

The database is the record (`store/accounts.py`); this is the live view every service
reads. Accounts are mutable objects: the services that change one (`account_admin.py`,
`account_health.py`) write it through to the database themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.task import AccountFilter, BotType

logger = logging.getLogger(__name__)

MIDJOURNEY_BOTS = frozenset({BotType.MID_JOURNEY, BotType.NIJI_JOURNEY})


def matches_filter(account: Account, wanted: AccountFilter | None) -> bool:
    """Whether `account` satisfies a client's `accountFilter` (blank fields match anything).

    `remark` matches a substring; `remix` the account's remix mode; `remixAutoConsidered`
    its remix-auto-submit switch. `modes` is not a filter here: it orders the modes.
    """
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
    return (
        wanted.remix_auto_considered is None
        or wanted.remix_auto_considered == account.remix_auto_submit
    )


def has_bot(account: Account, bot_type: BotType) -> bool:
    """A Midjourney or niji job needs that bot enabled; other work is up to the engine."""
    return bot_type not in MIDJOURNEY_BOTS or bot_type in account.bots


class AccountPool:
    """The accounts this server drives, by id, in creation order."""

    def __init__(self, accounts: Iterable[Account], *, clock_ms: Callable[[], int]) -> None:
        self._accounts = {account.id: account for account in accounts}
        self._clock_ms = clock_ms

    def get(self, account_id: str | None) -> Account | None:
        return self._accounts.get(account_id) if account_id else None

    def all(self) -> list[Account]:
        return list(self._accounts.values())

    def add(self, account: Account) -> None:
        self._accounts[account.id] = account

    def remove(self, account_id: str) -> Account | None:
        return self._accounts.pop(account_id, None)

    def candidates(self, *, bot_type: BotType, wanted: AccountFilter | None) -> list[Account]:
        """Usable accounts that pass the client's filter and have the bot enabled."""
        return [
            account
            for account in self._accounts.values()
            if account.is_usable and has_bot(account, bot_type) and matches_filter(account, wanted)
        ]

    def set_state(self, account_id: str, state: AccountState, reason: str = "") -> bool:
        """Change an account's state; True when it changed (state or reason)."""
        account = self._accounts.get(account_id)
        if account is None or (account.state is state and account.state_reason == reason):
            return False
        logger.info("account %s %s -> %s %s", account_id, account.state, state, reason)
        account.state = state
        account.state_reason = reason
        account.state_since_ms = self._clock_ms()
        return True
