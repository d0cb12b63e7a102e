"""Accounts at start: upsert the config file's accounts, then load the pool from the database.

Precedence (docs/accounts.md): the database is the record, and the config file is applied
on top of it at every start, field by field — a field written in the file wins, a field
left out keeps what the database holds (so settings changed through the admin API survive
restarts unless the file says otherwise). Accounts created through the API are untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from mjproxy.config import AccountSettings, Settings
from mjproxy.domain.account import Account, AccountState, ModeLimits, Secret
from mjproxy.store.base import AccountRepository

logger = logging.getLogger(__name__)

CONFIG_DISABLED = "Disabled in the configuration."
OPERATOR_DISABLED = "Disabled by an operator."
# A change to one of these means the operator fixed the account: health states are cleared.
_CONNECTION_FIELDS = frozenset({"user_token", "channel_id", "guild_id", "enabled"})


def config_fields(item: AccountSettings) -> dict[str, Any]:
    """The domain values of the fields the config file wrote for `item`."""
    written = item.model_fields_set | {"id"}
    values: dict[str, Any] = {}
    converters: dict[str, Callable[[], Any]] = {
        "engine": lambda: item.engine,
        "channel_id": lambda: item.channel_id or item.id,
        "guild_id": lambda: item.guild_id,
        "user_token": lambda: Secret(item.user_token.get_secret_value()),
        "user_agent": lambda: item.user_agent,
        "enabled": lambda: item.enabled,
        "bots": lambda: frozenset(item.bots),
        "modes": lambda: frozenset(item.modes),
        "limits": lambda: {
            mode: ModeLimits(running=lim.running, queued=lim.queued)
            for mode, lim in item.limits.items()
        },
        "remix": lambda: item.remix,
        "remix_auto_submit": lambda: item.remix_auto_submit,
        "auto_relax": lambda: item.auto_relax,
        "weight": lambda: item.weight,
        "remark": lambda: item.remark,
        "daily_limit": lambda: item.daily_limit,
    }
    for name, convert in converters.items():
        if name in written:
            values[name] = convert()
    if written & {"pause_min_s", "pause_max_s"}:
        values["submit_pause_s"] = (item.pause_min_s, item.pause_max_s)
    return values


def new_account(item: AccountSettings, *, now_ms: int) -> Account:
    """A config account seen for the first time: every field from the file (or defaults)."""
    account = Account(id=item.id, created_ms=now_ms, state_since_ms=now_ms)
    for name, value in config_fields(item).items():
        setattr(account, name, value)
    account.channel_id = item.channel_id or item.id
    account.submit_pause_s = (item.pause_min_s, item.pause_max_s)
    if not account.enabled:
        account.state, account.state_reason = AccountState.DISABLED, CONFIG_DISABLED
    return account


def apply_config(account: Account, item: AccountSettings, *, now_ms: int) -> bool:
    """Write the file's fields onto a stored account; True when anything changed."""
    changed = {
        name: value for name, value in config_fields(item).items()
        if getattr(account, name) != value
    }  # fmt: skip
    for name, value in changed.items():
        setattr(account, name, value)
    if changed.keys() & _CONNECTION_FIELDS and account.enabled:
        account.state, account.state_reason = AccountState.CONNECTING, ""
        account.state_since_ms = now_ms
    return bool(changed)


def starting_state(account: Account, *, now_ms: int) -> None:
    """Where an account starts: connecting, unless disabled or held by a health state."""
    if not account.enabled:
        if account.state is not AccountState.DISABLED:
            account.state, account.state_reason = AccountState.DISABLED, OPERATOR_DISABLED
            account.state_since_ms = now_ms
        return
    if account.is_sticky:
        return  # quarantine and health disables survive restarts until an operator acts
    account.state, account.state_reason, account.state_since_ms = (
        AccountState.CONNECTING,
        "",
        now_ms,
    )


async def load_accounts(
    settings: Settings, repository: AccountRepository, *, now_ms: int
) -> list[Account]:
    """Upsert the config file's accounts, then return every stored account, ready to open."""
    stored = {account.id: account for account in await repository.list_accounts()}
    for item in settings.accounts:
        existing = stored.get(item.id)
        if existing is None:
            await repository.insert_account(new_account(item, now_ms=now_ms))
            logger.info("account %s added from the config file", item.id)
        elif apply_config(existing, item, now_ms=now_ms):
            await repository.save_account(existing)
            await repository.save_state(
                existing.id,
                state=existing.state,
                reason=existing.state_reason,
                since_ms=existing.state_since_ms,
            )
            logger.info("account %s updated from the config file", item.id)
    accounts = await repository.list_accounts()
    limits = settings.default_limits
    for account in accounts:
        account.default_limits = ModeLimits(running=limits.running, queued=limits.queued)
        account.timeout_s = settings.scheduler.task_timeout_s
        starting_state(account, now_ms=now_ms)
    return accounts
