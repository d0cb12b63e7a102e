"""Find listed words in a prompt despite case, full-width, traditional-Chinese or spacing tricks.

Text is normalised before matching: NFKC (full-width → half-width), casefold, traditional →
simplified Chinese (OpenCC `t2s`), zero-width characters removed, whitespace collapsed and
separators between two Chinese characters dropped ("裸 体" reads as "裸体"). Every
normalised character remembers which original character it came from, so a hit can be
reported and cut out of the text the user wrote.

Latin words match whole words only ("ass" never hits "class"); words with Chinese
characters match anywhere, since Chinese has no spaces between words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import ahocorasick
import opencc

from mjproxy.domain.prompt import contains_chinese

_ASCII_SPACE = re.compile(r"\s")
_ZERO_WIDTH = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# Characters people put between Chinese characters to slip past a filter.
_CJK_SEPARATORS = frozenset(" .,_-*·・|/\\~'\"`")


class ChineseConverter(Protocol):
    def convert(self, text: str) -> str: ...


def traditional_to_simplified() -> ChineseConverter:
    """OpenCC's `t2s` converter (its dictionaries ship inside the wheel)."""
    converter: ChineseConverter = opencc.OpenCC("t2s")
    return converter


@dataclass(frozen=True, slots=True)
class NormalisedText:
    text: str
    # origin[i] is the index in the original text of normalised character i.
    origin: tuple[int, ...]


class TextNormaliser:
    def __init__(self, converter: ChineseConverter) -> None:
        self._converter = converter

    def normalise(self, text: str) -> NormalisedText:
        chars, origin = self._fold(text)
        chars = self._simplify(chars)
        chars, origin = _collapse_separators(chars, origin)
        return NormalisedText("".join(chars), tuple(origin))

    def _fold(self, text: str) -> tuple[list[str], list[int]]:
        if text.isascii():
            # Most prompts are plain ASCII: NFKC is the identity and folding keeps positions.
            return list(_ASCII_SPACE.sub(" ", text.lower())), list(range(len(text)))
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            if char in _ZERO_WIDTH:
                continue
            folded = " " if char.isspace() else unicodedata.normalize("NFKC", char).casefold()
            for piece in folded:
                chars.append(" " if piece.isspace() else piece)
                origin.append(index)
        return chars, origin

    def _simplify(self, chars: list[str]) -> list[str]:
        joined = "".join(chars)
        if not contains_chinese(joined):
            return chars
        converted = self._converter.convert(joined)
        if len(converted) == len(chars):
            return list(converted)
        # A phrase conversion changed the length; fall back to one character at a time
        # so the map back to the original stays exact.
        return [self._converter.convert(c) if contains_chinese(c) else c for c in chars]


def _collapse_separators(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    between = _between_chinese(chars)
    kept_chars: list[str] = []
    kept_origin: list[int] = []
    for index, char in enumerate(chars):
        if between[index]:
            continue
        if char == " " and (not kept_chars or kept_chars[-1] == " "):
            continue
        kept_chars.append(char)
        kept_origin.append(origin[index])
    if kept_chars and kept_chars[-1] == " ":
        kept_chars.pop()
        kept_origin.pop()
    return kept_chars, kept_origin


def _between_chinese(chars: list[str]) -> list[bool]:
    """For each character: is it a separator with Chinese on both sides (skipping separators)?"""
    after_is_chinese = [False] * len(chars)
    following = False
    for index in range(len(chars) - 1, -1, -1):
        after_is_chinese[index] = following
        if chars[index] not in _CJK_SEPARATORS:
            following = contains_chinese(chars[index])
    result = [False] * len(chars)
    preceding = False
    for index, char in enumerate(chars):
        if char in _CJK_SEPARATORS:
            result[index] = preceding and after_is_chinese[index]
        else:
            preceding = contains_chinese(char)
    return result


def _is_word_char(char: str) -> bool:
    return char.isalnum() and not contains_chinese(char)


@dataclass(frozen=True, slots=True)
class WordHit:
    """`word` is the list entry that matched; `start:end` the span in the original text."""

    word: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Pattern:
    word: str
    normalised: str
    whole_word: bool


class WordMatcher:
    """An immutable Aho-Corasick automaton over one word list; rebuild it to change the list."""

    def __init__(self, words: Iterable[str], *, normaliser: TextNormaliser) -> None:
        self._normaliser = normaliser
        self._automaton: ahocorasick.Automaton | None = None
        patterns: dict[str, _Pattern] = {}
        for word in words:
            normalised = normaliser.normalise(word.strip()).text
            if normalised and normalised not in patterns:
                patterns[normalised] = _Pattern(
                    word.strip(), normalised, whole_word=not contains_chinese(normalised)
                )
        self.size = len(patterns)
        if patterns:
            automaton = ahocorasick.Automaton()
            for key, pattern in patterns.items():
                automaton.add_word(key, pattern)
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, text: str) -> WordHit | None:
        """The leftmost (then longest) listed word in `text`, or None."""
        hits = self.find_all(text)
        return hits[0] if hits else None

    def find_all(self, text: str) -> list[WordHit]:
        """Every non-overlapping hit, left to right, preferring longer words at one spot."""
        if self._automaton is None or not text:
            return []
        normalised = self._normaliser.normalise(text)
        candidates: list[tuple[int, int, _Pattern]] = []
        for end_index, pattern in self._automaton.iter(normalised.text):
            start = end_index - len(pattern.normalised) + 1
            if not pattern.whole_word or _is_whole_word(normalised.text, start, end_index + 1):
                candidates.append((start, end_index + 1, pattern))
        candidates.sort(key=lambda c: (c[0], -c[1]))
        hits: list[WordHit] = []
        covered_until = 0
        for start, end, pattern in candidates:
            if start < covered_until:
                continue
            covered_until = end
            origin = normalised.origin
            hits.append(WordHit(pattern.word, origin[start], origin[end - 1] + 1))
        return hits

    def strip_words(self, text: str) -> tuple[str, tuple[str, ...]]:
        """`text` with every hit cut out (spaces tidied), and the words that were cut."""
        hits = self.find_all(text)
        if not hits:
            return text, ()
        pieces: list[str] = []
        position = 0
        for hit in hits:
            pieces.append(text[position : hit.start])
            position = hit.end
        pieces.append(text[position:])
        tidied = " ".join("".join(pieces).split())
        return tidied, tuple(hit.word for hit in hits)


def _is_whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before and _is_word_char(before)) and not (after and _is_word_char(after))
