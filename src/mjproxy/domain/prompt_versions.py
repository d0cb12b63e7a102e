"""What each Midjourney model version accepts: the one table to edit when Midjourney changes.

One dict per version, built from its predecessor. Facts and their sources are in
`shared/reference/commercial.md` §1.1–1.2 and docs/prompts.md. Where the sources are
silent about a version (V8's draft/exp/video, niji 7 details) the table is permissive: an
unrecorded parameter is kept from the predecessor rather than refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mjproxy.domain.prompt_values import (
    Choice,
    Flag,
    Number,
    ProfileCodes,
    Ratio,
    References,
    Rule,
    Words,
)


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
