"""`BannedWordRepository` on SQL: the `banned_words` table and a once-only seeding marker."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mjproxy.store.sql import StoreError
from mjproxy.store.tables import banned_words, store_markers
from mjproxy.store.writes import write_gate

SEEDED_MARKER = "banned_words_seeded"


class _AlreadySeeded(Exception):
    """Raised inside the seeding transaction so that it rolls back."""


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqlBannedWordRepository:
    def __init__(
        self, engine: AsyncEngine, *, clock_ms: Callable[[], int] = _wall_clock_ms
    ) -> None:
        self._engine = engine
        self._clock_ms = clock_ms

    async def list_words(self) -> list[str]:
        query = select(banned_words.c.word).order_by(banned_words.c.id)
        async with self._begin() as connection:
            return [row.word for row in await connection.execute(query)]

    async def add_word(self, word: str) -> bool:
        try:
            async with self._begin(writes=True) as connection:
                await connection.execute(
                    insert(banned_words).values(word=word, created_ms=self._clock_ms())
                )
        except IntegrityError:
            return False
        return True

    async def remove_word(self, word: str) -> bool:
        async with self._begin(writes=True) as connection:
            result = await connection.execute(
                delete(banned_words).where(banned_words.c.word == word)
            )
        return bool(result.rowcount == 1)

    async def seed_words(self, words: Sequence[str]) -> int:
        """Add `words` unless this database was seeded before; two instances starting at
        once race on the marker's primary key, and the loser adds nothing."""
        now_ms = self._clock_ms()
        try:
            async with self._begin(writes=True) as connection:
                try:
                    await connection.execute(
                        insert(store_markers).values(name=SEEDED_MARKER, created_ms=now_ms)
                    )
                except IntegrityError as exc:
                    raise _AlreadySeeded from exc
                stored = {row.word for row in await connection.execute(select(banned_words.c.word))}
                new = [word for word in dict.fromkeys(words) if word not in stored]
                if new:
                    await connection.execute(
                        insert(banned_words), [{"word": w, "created_ms": now_ms} for w in new]
                    )
        except _AlreadySeeded:
            return 0
        return len(new)

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
