"""The banned-word repository on SQLite, PostgreSQL and MariaDB, and the service on top."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mjproxy.services.moderation import BannedWordService, default_banned_words
from mjproxy.services.prompt_settings import BannedWordSettings
from mjproxy.services.word_matcher import TextNormaliser, traditional_to_simplified
from mjproxy.store.banned_words import SqlBannedWordRepository
from mjproxy.store.sql import SqlStore, open_store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def words(store: SqlStore) -> SqlBannedWordRepository:
    return SqlBannedWordRepository(store.engine, clock_ms=lambda: 1_700_000_000_000)


async def test_words_are_listed_in_the_order_added(words: SqlBannedWordRepository) -> None:
    for word in ("nude", "裸体", "ＦＵＬＬ", "blow job"):
        assert await words.add_word(word)
    assert await words.list_words() == ["nude", "裸体", "ＦＵＬＬ", "blow job"]


async def test_adding_the_same_word_twice_reports_false(words: SqlBannedWordRepository) -> None:
    assert await words.add_word("nude")
    assert not await words.add_word("nude")
    assert await words.list_words() == ["nude"]


async def test_spellings_are_stored_apart_on_every_backend(
    words: SqlBannedWordRepository,
) -> None:
    # MySQL's default collation would call these equal; the service decides, not the database.
    assert await words.add_word("Nude")
    assert await words.add_word("nude")
    assert await words.remove_word("nude")
    assert await words.list_words() == ["Nude"]


async def test_removing_reports_whether_the_word_was_there(
    words: SqlBannedWordRepository,
) -> None:
    await words.add_word("teapot")
    assert await words.remove_word("teapot")
    assert not await words.remove_word("teapot")
    assert await words.list_words() == []


async def test_a_word_of_the_maximum_length_round_trips(words: SqlBannedWordRepository) -> None:
    word = "裸" * 100
    assert await words.add_word(word)
    assert await words.list_words() == [word]


async def test_seeding_happens_once_even_after_every_word_is_removed(
    words: SqlBannedWordRepository,
) -> None:
    await words.add_word("teapot")
    assert await words.seed_words(["nude", "teapot", "nude", "gore"]) == 2
    assert await words.list_words() == ["teapot", "nude", "gore"]
    for word in ("teapot", "nude", "gore"):
        await words.remove_word(word)
    assert await words.seed_words(["nude"]) == 0
    assert await words.list_words() == []


async def test_two_instances_seeding_at_once_seed_once(store: SqlStore) -> None:
    first = SqlBannedWordRepository(store.engine)
    second = SqlBannedWordRepository(store.engine)
    results = await asyncio.gather(
        first.seed_words(["a", "b", "c"]), second.seed_words(["a", "b", "c"])
    )
    assert sorted(results) == [0, 3]
    assert await first.list_words() == ["a", "b", "c"]


async def test_service_seeds_the_defaults_and_follows_changes(
    words: SqlBannedWordRepository,
) -> None:
    normaliser = TextNormaliser(traditional_to_simplified())
    service = BannedWordService(words, normaliser=normaliser, settings=BannedWordSettings())
    await service.start()
    assert await words.list_words() == default_banned_words()
    assert service.find("裸體女人") is not None
    assert await service.remove("裸體")
    assert service.find("裸體女人") is None
    assert await service.add("teapot")

    restarted = BannedWordService(words, normaliser=normaliser, settings=BannedWordSettings())
    await restarted.start()
    assert restarted.find("裸體女人") is None
    assert restarted.find("a teapot") is not None
