"""Operators' changes to the pool, effective at once: create, update, enable, disable,
delete, reconnect and sync accounts (the admin API, docs/accounts.md).

Every change is saved first, then applied to the live pool: new limits, modes or filters
are seen by the scheduler's next decision; new connection settings (token, channel, guild,
user agent, engine) reconnect the account, and its tasks in flight are followed again.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from mjproxy.domain.account import Account, AccountState, ModeLimits
from mjproxy.domain.errors import AccountNotFound, InvalidField, MissingField, UpstreamError
from mjproxy.services.account_connections import AccountConnections
from mjproxy.services.account_health import AccountHealth
from mjproxy.services.account_seed import OPERATOR_DISABLED
from mjproxy.services.account_sync import AccountSync
from mjproxy.services.accounts import AccountPool
from mjproxy.services.locks import KeyedLock
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import AccountRepository

logger = logging.getLogger(__name__)

CONNECTION_FIELDS = frozenset({"engine", "channel_id", "guild_id", "user_token", "user_agent"})
EDITABLE = CONNECTION_FIELDS | {
    "enabled", "bots", "modes", "limits", "remix", "remix_auto_submit", "auto_relax",
    "weight", "remark", "daily_limit", "submit_pause_s",
}  # fmt: skip
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SNOWFLAKE = re.compile(r"^\d{1,32}$")
ENABLED_REASON = "Enabled by an operator."
RECONNECT_REASON = "Reconnecting, as an operator asked."


class AccountAdmin:
    def __init__(
        self,
        *,
        pool: AccountPool,
        repository: AccountRepository,
        scheduler: Scheduler,
        health: AccountHealth,
        connections: AccountConnections,
        sync: AccountSync,
        default_limits: ModeLimits,
        task_timeout_s: float,
        sync_timeout_s: float,
        clock_ms: Callable[[], int],
    ) -> None:
        self._pool = pool
        self._repository = repository
        self._scheduler = scheduler
        self._health = health
        self._connections = connections
        self._sync = sync
        self._default_limits = default_limits
        self._task_timeout_s = task_timeout_s
        self._sync_timeout_s = sync_timeout_s
        self._clock_ms = clock_ms
        self._locks = KeyedLock()

    def all(self) -> list[Account]:
        return self._pool.all()

    def get(self, account_id: str) -> Account:
        account = self._pool.get(account_id)
        if account is None:
            raise AccountNotFound(account_id)
        return account

    async def create(self, fields: Mapping[str, Any]) -> Account:
        """Add an account and connect it. Raises `InvalidRequest` subclasses (code 4)."""
        unknown = set(fields) - EDITABLE - {"id"}
        assert not unknown, f"not account fields: {unknown}"
        channel = fields.get("channel_id")
        if not channel:
            raise MissingField("channelId", hint="the Discord channel the account works in")
        if not fields.get("guild_id"):
            raise MissingField("guildId", hint="the Discord server of that channel")
        token = fields.get("user_token")
        if not token:
            raise MissingField("userToken", hint="the account's Discord token")
        account_id = str(fields.get("id") or channel)
        now_ms = self._clock_ms()
        account = Account(
            id=account_id,
            engine=self._default_engine(),
            default_limits=self._default_limits,
            timeout_s=self._task_timeout_s,
            created_ms=now_ms,
            state_since_ms=now_ms,
        )
        self._apply(account, {k: v for k, v in fields.items() if k != "id"})
        self._check(account, {*fields, "id", "channel_id"})
        async with self._locks.hold(account_id):
            if self._pool.get(account_id) is not None:
                raise InvalidField("id", f"{account_id!r} is taken by another account")
            if not account.enabled:
                account.state, account.state_reason = AccountState.DISABLED, OPERATOR_DISABLED
            await self._repository.insert_account(account)
            self._pool.add(account)
            logger.info("account %s created by an operator", account.id)
            await self._connections.open(account)
        return account

    async def update(self, account_id: str, fields: Mapping[str, Any]) -> Account:
        """Change some settings; a changed connection setting reconnects the account."""
        async with self._locks.hold(account_id):
            account = self.get(account_id)
            draft = dataclasses.replace(account)
            self._apply(draft, fields)
            self._check(draft, set(fields))
            changed = {name for name in fields if getattr(account, name) != getattr(draft, name)}
            if not changed:
                return account
            self._apply(account, {name: getattr(draft, name) for name in changed})
            await self._repository.save_account(account)
            logger.info("account %s updated by an operator: %s", account.id, sorted(changed))
            if "enabled" in changed:
                await self._switch(account, enable=account.enabled)
            elif changed & CONNECTION_FIELDS and account.enabled:
                await self._reconnect(account)
            else:
                await self._after_settings(account)
        return account

    async def set_enabled(self, account_id: str, *, enabled: bool) -> Account:
        async with self._locks.hold(account_id):
            account = self.get(account_id)
            if account.enabled != enabled:
                account.enabled = enabled
                await self._repository.save_account(account)
            await self._switch(account, enable=enabled)
        return account

    async def delete(self, account_id: str) -> Account:
        """Remove the account: its tasks in flight fail, waiting follow-ups move or fail."""
        async with self._locks.hold(account_id):
            account = self.get(account_id)
            account.enabled = False
            await self._health.change(account, AccountState.DISABLED, "Deleted by an operator.")
            await self._connections.close(account)
            self._pool.remove(account.id)
            self._sync.forget(account.id)
            await self._repository.delete_account(account.id)
            logger.info("account %s deleted by an operator", account.id)
        return account

    async def reconnect(self, account_id: str) -> Account:
        """Close and open the connection again; clears a quarantine or health disable."""
        async with self._locks.hold(account_id):
            account = self.get(account_id)
            if not account.enabled:
                raise InvalidField("enable", "is false: enable the account to connect it")
            await self._reconnect(account)
        return account

    async def sync(self, account_id: str) -> Account:
        """Ask `/info` and `/settings` now and wait for the answer (`sync_timeout_s`).

        Raises `SyncTooSoon` (code 4) inside the minimum gap, `UpstreamError` otherwise."""
        account = self.get(account_id)
        if not account.is_usable:
            raise InvalidField(
                "account", f"{account_id} is {account.state}; only a ready account can sync"
            )
        asked_ms = self._clock_ms()
        await self._sync.sync_now(account)
        if not await self._health.wait_for_facts(
            account_id, after_ms=asked_ms - 1, timeout_s=self._sync_timeout_s
        ):
            raise UpstreamError(
                f"Midjourney did not answer /info for the account {account_id} within "
                f"{self._sync_timeout_s:g} s."
            )
        return account

    # Internals ---------------------------------------------------------------------------

    def _default_engine(self) -> str:
        """`discord`, or the only engine of a server that runs no Discord engine."""
        names = self._scheduler.engine_names()
        return "discord" if "discord" in names or not names else names[0]

    async def _switch(self, account: Account, *, enable: bool) -> None:
        if enable:
            await self._health.change(account, AccountState.CONNECTING, ENABLED_REASON)
            await self._connections.close(account)
            await self._connections.open(account)
            await self._connections.reattach(account)
        else:
            await self._health.change(account, AccountState.DISABLED, OPERATOR_DISABLED)
            await self._connections.close(account)

    async def _reconnect(self, account: Account) -> None:
        await self._health.change(account, AccountState.CONNECTING, RECONNECT_REASON)
        await self._connections.close(account)
        await self._connections.open(account)
        await self._connections.reattach(account)

    async def _after_settings(self, account: Account) -> None:
        # Limits, modes, bots or filters changed: waiting tasks may fit now.
        self._scheduler.fill_all()
        if account.state is AccountState.READY and account.facts.fast_exhausted:
            await self._health.change(account, AccountState.READY, account.state_reason)

    @staticmethod
    def _apply(account: Account, fields: Mapping[str, Any]) -> None:
        for name, value in fields.items():
            if name not in EDITABLE:
                raise AssertionError(f"{name} is not an editable account field")
            setattr(account, name, value)

    def _check(self, account: Account, given: set[str]) -> None:
        """Rules across fields; ids are checked when given (config accounts may differ)."""
        if "id" in given and not _ID.match(account.id):
            raise InvalidField("id", "must be 1 to 64 letters, digits, dots, dashes or underscores")
        for name, field in (("channel_id", "channelId"), ("guild_id", "guildId")):
            if name in given and not _SNOWFLAKE.match(getattr(account, name)):
                raise InvalidField(field, "must be a Discord id: digits only")
        if self._scheduler.engine_for(account) is None:
            raise InvalidField("engine", f"names no engine of this server ({account.engine!r})")
        if not account.bots:
            raise InvalidField("bots", "must name at least one bot: MID_JOURNEY, NIJI_JOURNEY")
        if not account.modes:
            raise InvalidField("modes", "must name at least one mode: FAST, RELAX, TURBO")
        low, high = account.submit_pause_s
        if high < low:
            raise InvalidField("pauseMaxS", f"must not be smaller than pauseMinS ({low:g})")
