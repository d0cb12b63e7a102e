"""What each Midjourney model version accepts, as data, and the check that applies it.

Midjourney refuses a job whose parameters it does not accept, and a refusal still costs the
account a round trip (and, for some errors, a strike). So prompts are checked here first.

The table below is the single place to update when Midjourney changes a parameter: one
dict per version, built from its predecessor. Facts and their sources are in
`shared/reference/commercial.md` §1.1–1.2. Where the sources are silent about a version
(V8's draft/exp/video, niji 7 details) the table is permissive: an unrecorded parameter
is kept from the predecessor rather than refused. See docs/prompts.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mjproxy.domain.errors import InvalidPromptParameter
from mjproxy.domain.prompt import SPEED_FLAGS, Parameter, ParsedPrompt
from mjproxy.domain.task import BotType

_WHOLE = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_WEIGHT = r"(?:::-?(?:\d+(?:\.\d*)?|\.\d+))?"
_URL_REF = re.compile(r"<?https?://[^\s<>]+?>?" + _WEIGHT, re.IGNORECASE)
_STYLE_CODE = re.compile(r"(?:\d+|random)" + _WEIGHT, re.IGNORECASE)
_PROFILE_CODE = re.compile(r"[A-Za-z0-9_-]+" + _WEIGHT)
_RATIO = re.compile(r"([1-9]\d*):([1-9]\d*)")


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _spoken_list(items: list[str]) -> str:
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
        return f"takes {kind} from {_number_text(self.low)} to {_number_text(self.high)}"

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
        listed = _spoken_list(list(self.options))
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
        return f"takes {count}" + (f" or {_spoken_list(extras)}" if extras else "")

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


@dataclass(frozen=True, slots=True)
class ModelVersion:
    key: str
    label: str
    rules: Mapping[str, Rule]


def _without(rules: Mapping[str, Rule], *names: str) -> dict[str, Rule]:
    return {name: rule for name, rule in rules.items() if name not in names}


_MJ_VERSIONS = ("5", "5.1", "5.2", "6", "6.1", "7", "8", "8.1")
_NIJI_VERSIONS = ("5", "6", "7")
# `--niji` alone runs the newest niji model (niji 7 since 2026-01-09, commercial.md §1.1).
DEFAULT_NIJI = "7"

_CORE: dict[str, Rule] = {
    "version": Choice(_MJ_VERSIONS, numeric=True),
    "niji": Choice(_NIJI_VERSIONS, numeric=True, optional=True),
    "aspect": Ratio(),
    "chaos": Number(0, 100),
    "no": Words(),
    "seed": Number(0, 4294967295),
    "stop": Number(10, 100),
    "tile": Flag(),
    "repeat": Number(1, 40),
    "stylize": Number(0, 1000),
    "zoom": Number(1, 2, whole=False),
    "fast": Flag(),
    "relax": Flag(),
    "turbo": Flag(),
}
_OLD_QUALITY = Choice(("0.25", "0.5", "1", "2"), numeric=True)
_VIDEO: dict[str, Rule] = {
    "video": Choice(("1",), optional=True),
    "motion": Choice(("low", "high")),
    "loop": Flag(),
    "end": References(max_count=1, keywords=("loop",)),
    "bs": Choice(("1", "2", "4"), numeric=True),
}

_V5: dict[str, Rule] = {
    **_CORE,
    "quality": _OLD_QUALITY,
    "weird": Number(0, 3000),
    "iw": Number(0, 2, whole=False),
}
_V5_1: dict[str, Rule] = {**_V5, "style": Choice(("raw",)), "raw": Flag()}
_V6: dict[str, Rule] = {
    **_V5_1,
    "sref": References(style_codes=True),
    "sw": Number(0, 1000),
    "sv": Choice(("1", "2", "3", "4"), numeric=True),
    "cref": References(),
    "cw": Number(0, 100),
    "profile": ProfileCodes(),
}
# V7 replaced character reference with omni reference (`--oref`).
_V7: dict[str, Rule] = {
    **_without(_V6, "cref", "cw"),
    **_VIDEO,
    "quality": Choice(("1", "2", "4"), numeric=True),
    "iw": Number(0, 3, whole=False),
    "sv": Choice(("1", "2", "3", "4", "5", "6"), numeric=True),
    "oref": References(max_count=1),
    "ow": Number(1, 1000),
    "exp": Number(0, 100),
    "draft": Flag(),
}
# V8 alpha: no image prompts and no `--oref` yet; V8.1 adds `--hd`, `--q 4` and `--sv 7`.
_V8: dict[str, Rule] = {
    **_without(_V7, "oref", "ow", "iw"),
    "quality": Choice(("1", "2"), numeric=True),
}
_V8_1: dict[str, Rule] = {
    **_V8,
    "iw": Number(0, 3, whole=False),
    "quality": Choice(("1", "2", "4"), numeric=True),
    "sv": Choice(("1", "2", "3", "4", "5", "6", "7"), numeric=True),
    "hd": Flag(),
}
_NIJI_5: dict[str, Rule] = {
    **_without(_V5, "weird"),
    "style": Choice(("cute", "expressive", "original", "scenic")),
}
_NIJI_6: dict[str, Rule] = dict(_V6)
_NIJI_7: dict[str, Rule] = {
    **_without(_V7, "oref", "ow", *_VIDEO),
    "style": Choice(("raw", "cute", "expressive", "original", "scenic")),
}

VERSIONS: dict[str, ModelVersion] = {
    version.key: version
    for version in (
        ModelVersion("5", "V5", _V5),
        ModelVersion("5.1", "V5.1", _V5_1),
        ModelVersion("5.2", "V5.2", _V5_1),
        ModelVersion("6", "V6", _V6),
        ModelVersion("6.1", "V6.1", _V6),
        ModelVersion("7", "V7", _V7),
        ModelVersion("8", "V8", _V8),
        ModelVersion("8.1", "V8.1", _V8_1),
        ModelVersion("niji 5", "niji 5", _NIJI_5),
        ModelVersion("niji 6", "niji 6", _NIJI_6),
        ModelVersion("niji 7", "niji 7", _NIJI_7),
    )
}


def _union_rules() -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for version in VERSIONS.values():
        for name, rule in version.rules.items():
            merged[name] = merged[name].union(rule) if name in merged else rule
    return merged


# Used when the version is unknown (no `--v`/`--niji` and none assumed): a value passes
# if some version accepts it, because the account's own default version decides.
ANY_VERSION = ModelVersion("any", "any version", _union_rules())


def _version_key(value: str) -> str:
    return _number_text(float(value))


def resolve_version(
    parsed: ParsedPrompt, *, bot_type: BotType, assumed: str | None = None
) -> ModelVersion:
    """The model the prompt will run on: `--v`/`--niji`, else the bot's or the assumed one.

    Raises `InvalidPromptParameter` for an unknown version or both `--v` and `--niji`.
    """
    version, niji = parsed.find("version"), parsed.find("niji")
    if version and niji:
        raise InvalidPromptParameter(
            f"{version.written} and {niji.written} both choose a model; give only one of them.",
            parameter=version.written,
        )
    for parameter in (version, niji):
        if parameter is not None:
            _check_value(parameter, ANY_VERSION)
    if niji is not None:
        return VERSIONS["niji " + (_version_key(niji.values[0]) if niji.values else DEFAULT_NIJI)]
    if version is not None:
        return VERSIONS[_version_key(version.values[0])]
    if bot_type is BotType.NIJI_JOURNEY:
        return VERSIONS["niji " + DEFAULT_NIJI]
    return VERSIONS[assumed] if assumed is not None else ANY_VERSION


def validate_parameters(
    parsed: ParsedPrompt,
    *,
    bot_type: BotType = BotType.MID_JOURNEY,
    assumed_version: str | None = None,
    allow_unknown: bool = False,
) -> ModelVersion:
    """Check every parameter against the version's table; return the version checked.

    Raises `InvalidPromptParameter` naming the parameter and what it accepts.
    """
    model = resolve_version(parsed, bot_type=bot_type, assumed=assumed_version)
    _check_repeats(parsed)
    for parameter in parsed.parameters:
        if not parameter.is_known:
            if allow_unknown:
                continue
            raise InvalidPromptParameter(
                f"{parameter.written} is not a Midjourney parameter; "
                "check its spelling or remove it.",
                parameter=parameter.written,
            )
        _check_available(parameter, model)
        _check_value(parameter, model)
    _check_weights(parsed)
    return model


def _check_repeats(parsed: ParsedPrompt) -> None:
    seen: dict[str, Parameter] = {}
    speeds: list[Parameter] = []
    for parameter in parsed.parameters:
        if parameter.name in seen and parameter.name != "no":
            raise InvalidPromptParameter(
                f"{parameter.written} is given more than once; give each parameter once.",
                parameter=parameter.written,
            )
        seen[parameter.name] = parameter
        if parameter.name in SPEED_FLAGS:
            speeds.append(parameter)
    if len(speeds) > 1:
        raise InvalidPromptParameter(
            f"{speeds[0].written} and {speeds[1].written} ask for different speed modes; "
            "give at most one of --fast, --relax and --turbo.",
            parameter=speeds[1].written,
        )


def _check_available(parameter: Parameter, model: ModelVersion) -> None:
    if parameter.name in model.rules:
        return
    supported = [v.label for v in VERSIONS.values() if parameter.name in v.rules]
    raise InvalidPromptParameter(
        f"{parameter.written} is not available on {model.label}; "
        f"it works on {_spoken_list(supported)}.",
        parameter=parameter.written,
    )


def _check_value(parameter: Parameter, model: ModelVersion) -> None:
    rule = model.rules[parameter.name]
    if rule.accepts(parameter.values):
        return
    given = " ".join(parameter.values)
    where = "" if model is ANY_VERSION else f" on {model.label}"
    got = f"got {given!r}" if given else "got nothing"
    raise InvalidPromptParameter(
        f"{parameter.written} {rule.expectation}{where}, but {got}.",
        parameter=parameter.written,
    )


def _check_weights(parsed: ParsedPrompt) -> None:
    weights = parsed.weights()
    if weights and sum(weights) <= 0:
        raise InvalidPromptParameter(
            f"The '::' weights add up to {_number_text(sum(weights))}; "
            "the weights of all prompt parts must add up to more than 0.",
            parameter="::",
        )
