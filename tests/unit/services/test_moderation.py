"""BannedWordService: the list changes at run time and the matcher follows."""

from __future__ import annotations

import pytest

from mjproxy.domain.errors import InvalidRequest
from mjproxy.services.moderation import BannedWordService, default_banned_words
from mjproxy.services.prompt_settings import BannedWordSettings
from mjproxy.services.word_matcher import TextNormaliser, WordMatcher, traditional_to_simplified

from .in_memory_banned_words import InMemoryBannedWords

NORMALISER = TextNormaliser(traditional_to_simplified())


def service(repository: InMemoryBannedWords, **settings: object) -> BannedWordService:
    return BannedWordService(
        repository, normaliser=NORMALISER, settings=BannedWordSettings.model_validate(settings)
    )


async def test_start_seeds_defaults_once_and_loads_them() -> None:
    repository = InMemoryBannedWords()
    words = service(repository)
    await words.start()
    assert repository.words == default_banned_words()
    assert words.size == len(default_banned_words())
    assert words.find("a nude statue") is not None


async def test_deleted_default_stays_deleted_after_restart() -> None:
    repository = InMemoryBannedWords()
    await service(repository).start()
    assert await service(repository).remove("nude")
    restarted = service(repository)
    await restarted.start()
    assert restarted.find("a nude statue") is None


async def test_seeding_can_be_turned_off() -> None:
    repository = InMemoryBannedWords()
    words = service(repository, seed_defaults=False)
    await words.start()
    assert repository.words == []
    assert words.find("nude") is None


async def test_added_word_is_matched_at_once() -> None:
    words = service(InMemoryBannedWords())
    await words.start()
    assert words.find("a teapot") is None
    assert await words.add("  Teapot ")
    hit = words.find("a TEAPOT on a table")
    assert hit is not None
    assert hit.word == "Teapot"


async def test_removed_word_is_no_longer_matched() -> None:
    words = service(InMemoryBannedWords(["teapot", "kettle"]), seed_defaults=False)
    await words.start()
    assert await words.remove("TEAPOT")
    assert words.find("a teapot") is None
    assert words.find("a kettle") is not None
    assert await words.list_words() == ["kettle"]


async def test_adding_a_spelling_of_a_listed_word_adds_nothing() -> None:
    repository = InMemoryBannedWords(["裸体"])
    words = service(repository, seed_defaults=False)
    await words.start()
    assert not await words.add("裸體")
    assert repository.words == ["裸体"]


async def test_removing_an_unlisted_word_reports_false() -> None:
    words = service(InMemoryBannedWords(), seed_defaults=False)
    await words.start()
    assert not await words.remove("teapot")


@pytest.mark.parametrize("word", ["", "   ", "two\nlines", "x" * 101, "\u200b\u200b"])
async def test_invalid_words_are_refused(word: str) -> None:
    repository = InMemoryBannedWords()
    words = service(repository, seed_defaults=False)
    with pytest.raises(InvalidRequest):
        await words.add(word)
    assert repository.words == []


async def test_reload_picks_up_changes_made_elsewhere() -> None:
    repository = InMemoryBannedWords()
    words = service(repository, seed_defaults=False)
    await words.start()
    repository.words.append("teapot")
    assert words.find("teapot") is None
    await words.reload()
    assert words.find("teapot") is not None


async def test_disabled_service_finds_and_strips_nothing() -> None:
    words = service(InMemoryBannedWords(["teapot"]), enabled=False, seed_defaults=False)
    await words.start()
    assert words.find("teapot") is None
    assert words.strip_words("a teapot") == ("a teapot", ())


def test_default_list_has_no_duplicates_after_normalisation() -> None:
    defaults = default_banned_words()
    normalised = [NORMALISER.normalise(word).text for word in defaults]
    assert len(defaults) > 100
    assert len(set(normalised)) == len(normalised)
    assert all(not word.startswith("#") for word in defaults)


@pytest.mark.parametrize(
    "prompt",
    [
        "a classic glass of red wine on a table, studio lighting",
        "portrait of an assassin in a hooded cloak, 8k",
        "a bass player on stage, concert photography",
        "exposed rocks on a beach",
        "裸露的岩石，海边，日落",
        "个性交流的咖啡馆，温暖的灯光",
        "a sexy sports car",
        "a red rose with dew drops, macro",
        "水墨画风格的山水，远处有瀑布",
        "medieval knight, dramatic lighting, oil painting",
    ],
)
def test_default_list_lets_harmless_prompts_through(prompt: str) -> None:
    matcher = WordMatcher(default_banned_words(), normaliser=NORMALISER)
    assert matcher.find(prompt) is None


@pytest.mark.parametrize(
    "prompt",
    ["a nude woman", "NAKED man", "裸體女人", "血腥的战场", "a gory battlefield", "恐怖袭击现场"],
)
def test_default_list_catches_clear_cases(prompt: str) -> None:
    matcher = WordMatcher(default_banned_words(), normaliser=NORMALISER)
    assert matcher.find(prompt) is not None
