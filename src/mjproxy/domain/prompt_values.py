"""The kinds of value a Midjourney parameter takes (a range, a choice, a ratio, URLs …).

Each kind says whether it accepts a parameter's values and how to say what it expects,
and merges with another of its kind when the model version is not known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WHOLE = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_WEIGHT = r"(?:::-?(?:\d+(?:\.\d*)?|\.\d+))?"
_URL_REF = re.compile(r"<?https?://[^\s<>]+?>?" + _WEIGHT, re.IGNORECASE)
_STYLE_CODE = re.compile(r"(?:\d+|random)" + _WEIGHT, re.IGNORECASE)
_PROFILE_CODE = re.compile(r"[A-Za-z0-9_-]+" + _WEIGHT)
_RATIO = re.compile(r"([1-9]\d*):([1-9]\d*)")


def number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def spoken_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


class Rule:
    """What one parameter accepts on one version."""

    __slots__ = ()

    @property
    def expectation(self) -> str:
        """Completes "--flag …", e.g. "takes a whole number from 0 to 100"."""
        raise NotImplementedError

    def accepts(self, values: tuple[str, ...]) -> bool:
        raise NotImplementedError

    def union(self, other: Rule) -> Rule:
        """A rule accepting what either accepts (used when the version is not known)."""
        return self


@dataclass(frozen=True, slots=True)
class Flag(Rule):
    @property
    def expectation(self) -> str:
        return "takes no value"

    def accepts(self, values: tuple[str, ...]) -> bool:
        return not values


@dataclass(frozen=True, slots=True)
class Number(Rule):
    low: float
    high: float
    whole: bool = True

    @property
    def expectation(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"takes {kind} from {number_text(self.low)} to {number_text(self.high)}"

    def accepts(self, values: tuple[str, ...]) -> bool:
        if len(values) != 1:
            return False
        pattern = _WHOLE if self.whole else _NUMBER
        return pattern.fullmatch(values[0]) is not None and (
            self.low <= float(values[0]) <= self.high
        )

    def union(self, other: Rule) -> Rule:
        if not isinstance(other, Number):
            return self
        low, high = min(self.low, other.low), max(self.high, other.high)
        return Number(low, high, whole=self.whole and other.whole)


@dataclass(frozen=True, slots=True)
class Choice(Rule):
    options: tuple[str, ...]
    numeric: bool = False
    optional: bool = False

    @property
    def expectation(self) -> str:
        listed = spoken_list(list(self.options))
        return f"takes no value or {listed}" if self.optional else f"takes {listed}"

    def accepts(self, values: tuple[str, ...]) -> bool:
        if not values:
            return self.optional
        if len(values) != 1:
            return False
        value = values[0].lower()
        if not self.numeric:
            return value in self.options
        return _NUMBER.fullmatch(value) is not None and any(
            float(value) == float(option) for option in self.options
        )

    def union(self, other: Rule) -> Rule:
        if not isinstance(other, Choice):
            return self
        options = list(self.options) + [o for o in other.options if o not in self.options]
        if self.numeric:
            options.sort(key=float)
        return Choice(tuple(options), self.numeric, self.optional or other.optional)


@dataclass(frozen=True, slots=True)
class Ratio(Rule):
    @property
    def expectation(self) -> str:
        return "takes a ratio of two whole numbers such as 16:9"

    def accepts(self, values: tuple[str, ...]) -> bool:
        return len(values) == 1 and _RATIO.fullmatch(values[0]) is not None


@dataclass(frozen=True, slots=True)
class Words(Rule):
    @property
    def expectation(self) -> str:
        return "takes one or more words to leave out"

    def accepts(self, values: tuple[str, ...]) -> bool:
        return bool(values)


@dataclass(frozen=True, slots=True)
class References(Rule):
    """Image URLs (with optional `::weight`), and style codes or keywords where allowed."""

    max_count: int | None = None
    style_codes: bool = False
    keywords: tuple[str, ...] = ()

    @property
    def expectation(self) -> str:
        count = "one image URL" if self.max_count == 1 else "one or more image URLs"
        extras = (["style codes"] if self.style_codes else []) + [repr(k) for k in self.keywords]
        return f"takes {count}" + (f" or {spoken_list(extras)}" if extras else "")

    def accepts(self, values: tuple[str, ...]) -> bool:
        if not values or (self.max_count is not None and len(values) > self.max_count):
            return False
        return all(self._accepts_one(value) for value in values)

    def _accepts_one(self, value: str) -> bool:
        if _URL_REF.fullmatch(value) or value.lower() in self.keywords:
            return True
        return self.style_codes and _STYLE_CODE.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class ProfileCodes(Rule):
    @property
    def expectation(self) -> str:
        return "takes no value or personalization codes"

    def accepts(self, values: tuple[str, ...]) -> bool:
        return all(_PROFILE_CODE.fullmatch(value) for value in values)
