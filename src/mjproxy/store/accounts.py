"""`AccountRepository` on SQL: the `accounts` table, on SQLite, PostgreSQL and MySQL/MariaDB."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.store.account_rows import account_to_row, facts_to_json, row_to_account
from mjproxy.store.errors import StoreError
from mjproxy.store.tables import accounts
from mjproxy.store.writes import write_gate

_A = accounts.c
# Columns an operator (or the config file) sets; health, facts and the counter are apart.
_SETTINGS = (
    "engine", "channel_id", "guild_id", "user_token", "user_agent", "enabled", "bots", "modes",
    "limits", "remix", "remix_auto_submit", "auto_relax", "weight", "remark", "daily_limit",
    "pause_min_s", "pause_max_s", "updated_ms",
)  # fmt: skip


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqlAccountRepository:
    """Each method is one short transaction."""

    def __init__(
        self, engine: AsyncEngine, *, clock_ms: Callable[[], int] = _wall_clock_ms
    ) -> None:
        self._engine = engine
        self._clock_ms = clock_ms

    async def list_accounts(self) -> list[Account]:
        query = select(accounts).order_by(_A.created_ms, _A.id)
        async with self._begin() as connection:
            return [row_to_account(row._mapping) for row in await connection.execute(query)]

    async def get_account(self, account_id: str) -> Account | None:
        async with self._begin() as connection:
            row = (await connection.execute(select(accounts).where(_A.id == account_id))).first()
        return row_to_account(row._mapping) if row else None

    async def insert_account(self, account: Account) -> None:
        try:
            async with self._begin(writes=True) as connection:
                await connection.execute(
                    insert(accounts).values(account_to_row(account, now_ms=self._clock_ms()))
                )
        except IntegrityError as exc:
            raise ValueError(f"An account with the id {account.id!r} already exists.") from exc

    async def save_account(self, account: Account) -> bool:
        row = account_to_row(account, now_ms=self._clock_ms())
        values = {name: row[name] for name in _SETTINGS}
        async with self._begin(writes=True) as connection:
            result = await connection.execute(
                update(accounts).where(_A.id == account.id).values(values)
            )
        return bool(result.rowcount == 1)

    async def delete_account(self, account_id: str) -> bool:
        async with self._begin(writes=True) as connection:
            result = await connection.execute(delete(accounts).where(_A.id == account_id))
        return bool(result.rowcount == 1)

    async def save_state(
        self, account_id: str, *, state: AccountState, reason: str, since_ms: int
    ) -> None:
        async with self._begin(writes=True) as connection:
            await connection.execute(
                update(accounts)
                .where(_A.id == account_id)
                .values(state=state.value, state_reason=reason, state_since_ms=since_ms)
            )

    async def save_facts(self, account_id: str, facts: MidjourneyFacts) -> None:
        async with self._begin(writes=True) as connection:
            await connection.execute(
                update(accounts).where(_A.id == account_id).values(facts=facts_to_json(facts))
            )

    async def count_job(self, account_id: str, *, day: str) -> int:
        # One statement, so two writers never lose a count; a new day restarts it at 1.
        async with self._begin(writes=True) as connection:
            await connection.execute(
                update(accounts)
                .where(_A.id == account_id)
                # MySQL applies SET clauses left to right: compare the old day first.
                .ordered_values(
                    (_A.jobs_today, case((_A.jobs_day == day, _A.jobs_today + 1), else_=1)),
                    (_A.jobs_day, day),
                )
            )
            count = (
                await connection.execute(select(_A.jobs_today).where(_A.id == account_id))
            ).scalar_one_or_none()
        return int(count or 0)

    @asynccontextmanager
    async def _begin(self, *, writes: bool = False) -> AsyncIterator[AsyncConnection]:
        gate = write_gate(self._engine) if writes else contextlib.nullcontext()
        try:
            async with gate, self._engine.begin() as connection:
                yield connection
        except (SQLAlchemyError, OSError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise StoreError(f"The database refused the operation: {type(exc).__name__}.") from exc
