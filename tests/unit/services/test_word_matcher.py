"""Banned-word matching: normalisation, whole words for Latin, substrings for Chinese."""

from __future__ import annotations

import pytest

from mjproxy.services.word_matcher import TextNormaliser, WordMatcher, traditional_to_simplified

NORMALISER = TextNormaliser(traditional_to_simplified())
WORDS = ["ass", "Nude", "blow job", "self-harm", "裸体", "血腥", "斩首"]


@pytest.fixture(scope="module")
def matcher() -> WordMatcher:
    return WordMatcher(WORDS, normaliser=NORMALISER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello World", "hello world"),
        ("ＮＵＤＥ ａｒｔ", "nude art"),
        ("Straße", "strasse"),
        ("裸體 頭髮", "裸体头发"),
        ("  many   spaces\tand\nlines ", "many spaces and lines"),
        ("zero\u200bwidth\u200d", "zerowidth"),
        ("裸 . 体 and 斩-首", "裸体 and 斩首"),
        ("cat . dog", "cat . dog"),
        ("ﬁne", "fine"),
    ],
)
def test_normalisation(text: str, expected: str) -> None:
    assert NORMALISER.normalise(text).text == expected


def test_normalised_characters_map_back_to_the_original() -> None:
    normalised = NORMALISER.normalise("Ａ ﬁ 裸 体")
    assert normalised.text == "a fi 裸体"
    assert normalised.origin == (0, 1, 2, 2, 3, 4, 6)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("a nude statue", "Nude"),
        ("NUDE", "Nude"),
        ("ＮＵＤＥ statue", "Nude"),
        ("Ｎｕｄｅ", "Nude"),
        ("n\u200bude portrait", "Nude"),
        ("nude_photo", "Nude"),
        ("nude, 8k", "Nude"),
        ("my ass.", "ass"),
        ("a blow  job", "blow job"),
        ("self-harm scars", "self-harm"),
        ("裸体女人", "裸体"),
        ("裸體女人", "裸体"),
        ("一个裸 体的人", "裸体"),
        ("血腥场面", "血腥"),
        ("血\u200b腥", "血腥"),
        ("中世纪斬首", "斩首"),
        ("nude裸体", "Nude"),
        ("ass裸体", "ass"),
    ],
)
def test_hits(matcher: WordMatcher, text: str, word: str) -> None:
    hit = matcher.find(text)
    assert hit is not None
    assert hit.word == word


@pytest.mark.parametrize(
    "text",
    [
        "a class photo",
        "assassin's creed",
        "bass guitar",
        "passage",
        "nudes",
        "denuded hills",
        "blowjob",
        "self harming",
        "裸",
        "血",
        "a cat on a mat",
        "",
    ],
)
def test_misses(matcher: WordMatcher, text: str) -> None:
    assert matcher.find(text) is None


def test_first_hit_is_the_leftmost(matcher: WordMatcher) -> None:
    hit = matcher.find("血腥 and a nude")
    assert hit is not None
    assert (hit.word, hit.start, hit.end) == ("血腥", 0, 2)


def test_hit_span_is_in_the_original_text(matcher: WordMatcher) -> None:
    text = "a ＮＵＤＥ 裸 体"
    hits = matcher.find_all(text)
    assert [text[h.start : h.end] for h in hits] == ["ＮＵＤＥ", "裸 体"]


def test_longer_word_wins_at_the_same_spot() -> None:
    matcher = WordMatcher(["blow", "blow job"], normaliser=NORMALISER)
    assert [h.word for h in matcher.find_all("a blow job")] == ["blow job"]


@pytest.mark.parametrize(
    ("text", "kept", "removed"),
    [
        ("a nude statue", "a statue", ("Nude",)),
        ("ＮＵＤＥ, 裸體 and 血腥场面", ", and 场面", ("Nude", "裸体", "血腥")),
        ("a class act", "a class act", ()),
        ("nude", "", ("Nude",)),
    ],
)
def test_strip(matcher: WordMatcher, text: str, kept: str, removed: tuple[str, ...]) -> None:
    assert matcher.strip_words(text) == (kept, removed)


def test_empty_list_matches_nothing() -> None:
    matcher = WordMatcher([], normaliser=NORMALISER)
    assert matcher.find("nude") is None
    assert matcher.size == 0


def test_duplicates_and_blank_entries_collapse() -> None:
    matcher = WordMatcher(["nude", "NUDE", "ｎｕｄｅ", " ", ""], normaliser=NORMALISER)
    assert matcher.size == 1
