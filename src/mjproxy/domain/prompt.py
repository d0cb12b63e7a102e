"""Midjourney prompts: split one into text, image URLs, `::` weights and `--` parameters.

Parsing never fails: every string is a prompt, and `ParsedPrompt.render()` gives back the
same string (except that an em dash typed for `--` before a parameter name becomes `--`,
as Midjourney itself reads it). Whether the parameters are *acceptable* is the job of
`domain/prompt_rules.py`.

A prompt is a sequence of parts. Prose (`TEXT`) and the words after `--no` (`NO_VALUE`)
are the translatable, moderated parts; URLs, weights, flags and other values pass through
every transformation untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from mjproxy.domain.task import Mode

# Canonical parameter name for every spelling Midjourney accepts. A parameter not in this
# table is unknown; the rules decide whether that is an error.
ALIASES: dict[str, str] = {
    "ar": "aspect",
    "aspect": "aspect",
    "v": "version",
    "version": "version",
    "niji": "niji",
    "style": "style",
    "s": "stylize",
    "stylize": "stylize",
    "c": "chaos",
    "chaos": "chaos",
    "w": "weird",
    "weird": "weird",
    "seed": "seed",
    "no": "no",
    "tile": "tile",
    "q": "quality",
    "quality": "quality",
    "stop": "stop",
    "r": "repeat",
    "repeat": "repeat",
    "iw": "iw",
    "sref": "sref",
    "sw": "sw",
    "sv": "sv",
    "cref": "cref",
    "cw": "cw",
    "oref": "oref",
    "ow": "ow",
    "p": "profile",
    "personalize": "profile",
    "profile": "profile",
    "exp": "exp",
    "draft": "draft",
    "raw": "raw",
    "video": "video",
    "motion": "motion",
    "loop": "loop",
    "end": "end",
    "bs": "bs",
    "hd": "hd",
    "zoom": "zoom",
    "fast": "fast",
    "relax": "relax",
    "turbo": "turbo",
}

SPEED_FLAGS: dict[str, Mode] = {"fast": Mode.FAST, "relax": Mode.RELAX, "turbo": Mode.TURBO}

# Parameters start at the first `--name` that follows whitespace (or opens the prompt).
_FIRST_FLAG = re.compile(r"(?:^|(?<=\s))--[A-Za-z]")
_FLAG = re.compile(r"--([A-Za-z][A-Za-z0-9_]*)")
# iOS and macOS turn a typed `--` into an em dash; Midjourney accepts `—ar` for `--ar`.
_EM_DASH_FLAG = re.compile(r"(^|\s)\u2014(?=[A-Za-z])")
_URL = re.compile(r"<?https?://[^\s<>]+>?", re.IGNORECASE)
_WEIGHT = re.compile(r"::(-?(?:\d+(?:\.\d*)?|\.\d+))?")
_SPACE_SPLIT = re.compile(r"(\s+)")
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class PartKind(StrEnum):
    TEXT = "text"
    SPACE = "space"
    URL = "url"
    WEIGHT = "weight"
    FLAG = "flag"
    VALUE = "value"
    NO_VALUE = "no_value"


@dataclass(frozen=True, slots=True)
class PromptPart:
    kind: PartKind
    text: str

    @property
    def is_translatable(self) -> bool:
        """Prose a translator may rewrite and the banned-word check must read."""
        return self.kind in (PartKind.TEXT, PartKind.NO_VALUE)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One `--flag value…` group. `name` is canonical (or the flag itself when unknown)."""

    name: str
    flag: str
    values: tuple[str, ...]

    @property
    def is_known(self) -> bool:
        return self.flag in ALIASES

    @property
    def written(self) -> str:
        return f"--{self.flag}"


@dataclass(frozen=True, slots=True)
class ParsedPrompt:
    parts: tuple[PromptPart, ...]
    image_urls: tuple[str, ...]
    parameters: tuple[Parameter, ...]

    def render(self) -> str:
        return "".join(part.text for part in self.parts)

    def find(self, name: str) -> Parameter | None:
        """The first parameter with canonical `name`, or None."""
        return next((p for p in self.parameters if p.name == name), None)

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    @property
    def translatable(self) -> tuple[str, ...]:
        return tuple(part.text for part in self.parts if part.is_translatable)

    @property
    def has_chinese(self) -> bool:
        return any(contains_chinese(text) for text in self.translatable)

    @property
    def has_text(self) -> bool:
        return any(text.strip() for text in self.translatable if text)

    def weights(self) -> tuple[float, ...]:
        """The weight of each `::`-separated part of the prose (1 where none is written)."""
        weights: list[float] = []
        pending_text = False
        for part in self.parts:
            if part.kind is PartKind.TEXT and part.text.strip():
                pending_text = True
            elif part.kind is PartKind.WEIGHT:
                number = part.text[2:]
                weights.append(float(number) if number else 1.0)
                pending_text = False
        if pending_text and weights:
            weights.append(1.0)
        return tuple(weights)

    def rewrite(self, rewrite_text: Callable[[str], str]) -> str:
        """Render with every translatable part passed through `rewrite_text`."""
        return self.replace_translatable(rewrite_text(text) for text in self.translatable)

    def replace_translatable(self, texts: Sequence[str] | Iterator[str]) -> str:
        """Render with the translatable parts replaced, in order, by `texts`."""
        replacements = iter(texts)
        pieces: list[str] = []
        for part in self.parts:
            pieces.append(next(replacements) if part.is_translatable else part.text)
        return "".join(pieces)


def contains_chinese(text: str) -> bool:
    return _CHINESE.search(text) is not None


def parse_prompt(prompt: str) -> ParsedPrompt:
    """Split `prompt` into parts; never raises."""
    prompt = _EM_DASH_FLAG.sub(r"\1--", prompt)
    first_flag = _FIRST_FLAG.search(prompt)
    cut = first_flag.start() if first_flag else len(prompt)
    text_parts, image_urls = _parse_text(prompt[:cut])
    param_parts, parameters = _parse_parameters(prompt[cut:])
    return ParsedPrompt(
        parts=tuple(text_parts + param_parts),
        image_urls=tuple(image_urls),
        parameters=tuple(parameters),
    )


def _parse_text(region: str) -> tuple[list[PromptPart], list[str]]:
    parts: list[PromptPart] = []
    image_urls: list[str] = []
    seen_prose = False
    for token in _SPACE_SPLIT.split(region):
        if not token:
            continue
        if token.isspace():
            parts.append(PromptPart(PartKind.SPACE, token))
        elif _URL.fullmatch(token):
            parts.append(PromptPart(PartKind.URL, token))
            if not seen_prose:
                image_urls.append(token.strip("<>"))
        else:
            seen_prose = True
            parts.extend(_split_weights(token))
    return _merge_runs(parts, PartKind.TEXT), image_urls


def _split_weights(token: str) -> Iterator[PromptPart]:
    position = 0
    for match in _WEIGHT.finditer(token):
        if match.start() > position:
            yield PromptPart(PartKind.TEXT, token[position : match.start()])
        yield PromptPart(PartKind.WEIGHT, match.group())
        position = match.end()
    if position < len(token):
        yield PromptPart(PartKind.TEXT, token[position:])


def _parse_parameters(region: str) -> tuple[list[PromptPart], list[Parameter]]:
    parts: list[PromptPart] = []
    parameters: list[Parameter] = []
    flag: str | None = None
    values: list[str] = []
    for token in _SPACE_SPLIT.split(region):
        if not token:
            continue
        if token.isspace():
            parts.append(PromptPart(PartKind.SPACE, token))
            continue
        match = _FLAG.fullmatch(token)
        if match:
            if flag is not None:
                parameters.append(_parameter(flag, values))
            flag, values = match.group(1).lower(), []
            parts.append(PromptPart(PartKind.FLAG, token))
            continue
        # The region opens with a flag, so a value always has one to belong to.
        assert flag is not None
        values.append(token)
        kind = PartKind.NO_VALUE if ALIASES.get(flag) == "no" else PartKind.VALUE
        parts.append(PromptPart(kind, token))
    if flag is not None:
        parameters.append(_parameter(flag, values))
    return _merge_runs(parts, PartKind.NO_VALUE), parameters


def _parameter(flag: str, values: list[str]) -> Parameter:
    return Parameter(name=ALIASES.get(flag, flag), flag=flag, values=tuple(values))


def _merge_runs(parts: list[PromptPart], kind: PartKind) -> list[PromptPart]:
    """Join `kind, SPACE, kind` runs into one part, so prose is translated as a whole."""
    merged: list[PromptPart] = []
    for part in parts:
        if part.kind is kind and merged and merged[-1].kind is kind:
            merged[-1] = PromptPart(kind, merged[-1].text + part.text)
        elif (
            part.kind is kind
            and len(merged) >= 2
            and merged[-1].kind is PartKind.SPACE
            and merged[-2].kind is kind
        ):
            space = merged.pop()
            merged[-1] = PromptPart(kind, merged[-1].text + space.text + part.text)
        else:
            merged.append(part)
    return merged


def speed_modes(parsed: ParsedPrompt) -> tuple[Mode, ...]:
    """The speed modes the prompt asks for with `--fast`, `--relax` or `--turbo`, in order."""
    modes: list[Mode] = []
    for parameter in parsed.parameters:
        mode = SPEED_FLAGS.get(parameter.name)
        if mode is not None and mode not in modes:
            modes.append(mode)
    return tuple(modes)


def requests_niji(parsed: ParsedPrompt) -> bool:
    """True when the prompt selects a niji model (`--niji`), whichever bot it is sent to."""
    return parsed.has("niji")


def strip_speed_flags(parsed: ParsedPrompt) -> str:
    """Render without `--fast/--relax/--turbo`: the scheduler's chosen mode replaces them."""
    return render_without(parsed, lambda parameter: parameter.name in SPEED_FLAGS)


def with_speed_mode(prompt: str, mode: Mode) -> str:
    """`prompt` with its own `--fast/--relax/--turbo` replaced by the flag of `mode`.

    Client speed flags are only hints for the scheduler; the prompt Midjourney receives
    names the mode the scheduler chose, whatever the account's own setting is.
    """
    bare = strip_speed_flags(parse_prompt(prompt))
    flag = next(name for name, value in SPEED_FLAGS.items() if value is mode)
    return f"{bare} --{flag}".strip()


def render_without(parsed: ParsedPrompt, drop: Callable[[Parameter], bool]) -> str:
    """Render with every parameter for which `drop` is true removed (flag and values)."""
    kept: list[str] = []
    flag_index = -1
    dropping = False
    for part in parsed.parts:
        if part.kind is PartKind.FLAG:
            flag_index += 1
            dropping = drop(parsed.parameters[flag_index])
            while kept and kept[-1].isspace():
                kept.pop()
            if not dropping and kept:
                kept.append(" ")
        if not dropping:
            kept.append(part.text)
    return "".join(kept).strip()
