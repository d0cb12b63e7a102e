"""Reading a prompt the way Midjourney does: `--parameters`, image links, aspect, mode and model."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd

from mjproxy.sandbox.accounts import Mode
from mjproxy.sandbox.bot.formats import SHORT_LINK

_URL = re.compile(r"^<?(https?://\S+?)>?$")
_ASPECT = re.compile(r"^(\d{1,4}):(\d{1,4})$")
_SHORT_HOST = "https://s.mj.run/"  # already-echoed links stay as they are
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MODELS = frozenset(
    {"1", "2", "3", "4", "5", "5.0", "5.1", "5.2", "6", "6.0", "6.1", "7", "8", "8.1"}
)
_NIJI_MODELS = frozenset({"", "4", "5", "6", "7"})


def _flag(value: str) -> bool:
    return value == ""


def _text(value: str) -> bool:
    return value != ""


def _number_in(low: float, high: float) -> Callable[[str], bool]:
    return lambda value: bool(_NUMBER.match(value)) and low <= float(value) <= high


def _aspect(value: str) -> bool:
    match = _ASPECT.match(value)
    return match is not None and int(match.group(1)) > 0 and int(match.group(2)) > 0


# Parameter name → validator of its (space-joined) value; aliases share a validator.
_PARAMETERS: dict[str, Callable[[str], bool]] = {
    "ar": _aspect,
    "aspect": _aspect,
    "v": lambda value: value in _MODELS,
    "version": lambda value: value in _MODELS,
    "niji": lambda value: value in _NIJI_MODELS,
    "q": lambda value: value in {".25", "0.25", ".5", "0.5", "1", "2", "4"},
    "quality": lambda value: value in {".25", "0.25", ".5", "0.5", "1", "2", "4"},
    "s": _number_in(0, 1000),
    "stylize": _number_in(0, 1000),
    "c": _number_in(0, 100),
    "chaos": _number_in(0, 100),
    "w": _number_in(0, 3000),
    "weird": _number_in(0, 3000),
    "seed": _number_in(0, 4294967295),
    "sameseed": _number_in(0, 4294967295),
    "stop": _number_in(10, 100),
    "iw": _number_in(0, 3),
    "cw": _number_in(0, 100),
    "sw": _number_in(0, 1000),
    "ow": _number_in(1, 1000),
    "r": _number_in(1, 40),
    "repeat": _number_in(1, 40),
    "zoom": _number_in(1, 2),
    "bs": lambda value: value in {"1", "2", "4"},
    "motion": lambda value: value in {"low", "high"},
    "video": lambda value: value in {"", "1"},
    "no": _text,
    "sref": _text,
    "cref": _text,
    "oref": _text,
    "p": lambda value: True,
    "profile": lambda value: True,
    "sv": _text,
    "style": _text,
    "end": _text,
    "exp": _number_in(0, 100),
    "tile": _flag,
    "raw": _flag,
    "loop": _flag,
    "hd": _flag,
    "draft": _flag,
    "fast": _flag,
    "relax": _flag,
    "turbo": _flag,
    "stealth": _flag,
    "public": _flag,
    "personalize": lambda value: True,
}


@dataclass(frozen=True, slots=True)
class ParsedPrompt:
    echo: str  # the prompt as the bot echoes it (links shortened)
    parameters: dict[str, str]
    invalid: str | None  # the first bad parameter, e.g. "--foo" or "--ar 0:9"
    links: tuple[str, ...]

    @property
    def aspect(self) -> tuple[int, int]:
        value = self.parameters.get("ar") or self.parameters.get("aspect") or "1:1"
        match = _ASPECT.match(value)
        if not match or int(match.group(1)) == 0 or int(match.group(2)) == 0:
            return 1, 1
        w, h = int(match.group(1)), int(match.group(2))
        divisor = gcd(w, h)
        return w // divisor, h // divisor

    @property
    def mode(self) -> Mode | None:
        for mode in (Mode.TURBO, Mode.FAST, Mode.RELAX):
            if mode.value in self.parameters:
                return mode
        return None

    @property
    def seed(self) -> int | None:
        value = self.parameters.get("seed")
        return int(float(value)) if value and _NUMBER.match(value) else None

    @property
    def model(self) -> str | None:
        if "niji" in self.parameters:
            return f"niji {self.parameters['niji'] or '6'}"
        return self.parameters.get("v") or self.parameters.get("version")

    @property
    def zoom(self) -> float | None:
        value = self.parameters.get("zoom")
        return float(value) if value and _NUMBER.match(value) else None


def short_link(url: str) -> str:
    """The `<https://s.mj.run/…>` form Midjourney echoes for an image link, stable per URL."""
    digest = hashlib.sha1(url.encode()).digest()
    code = base64.urlsafe_b64encode(digest[:8]).decode().rstrip("=")
    return SHORT_LINK.format(code=code)


def parse_prompt(prompt: str) -> ParsedPrompt:
    words: list[str] = []
    links: list[str] = []
    parameters: dict[str, str] = {}
    invalid: str | None = None
    name: str | None = None
    values: list[str] = []

    def close_parameter() -> None:
        nonlocal invalid
        if name is None:
            return
        value = " ".join(values)
        check = _PARAMETERS.get(name)
        if (check is None or not check(value)) and invalid is None:
            invalid = f"--{name} {value}".strip()
        parameters[name] = value

    for token in prompt.split():
        if token.startswith("--") and len(token) > 2:
            close_parameter()
            name, values = token[2:].lower(), []
            words.append(token)
            continue
        link = _URL.match(token)
        if link and name is None and not link.group(1).startswith(_SHORT_HOST):
            links.append(link.group(1))
            words.append(short_link(link.group(1)))
            continue
        if name is not None:
            values.append(token)
        words.append(token)
    close_parameter()
    return ParsedPrompt(" ".join(words), parameters, invalid, tuple(links))


def model_family(model: str) -> str:
    """Which button set a model's single images get: "5", "6", "6.1", "7" or "8"."""
    if model.startswith("niji"):
        return "6"
    if model.startswith("8"):
        return "8"
    if model.startswith("7"):
        return "7"
    if model == "6.1":
        return "6.1"
    if model.startswith("6"):
        return "6"
    return "5"


def slug(prompt: str, *, limit: int = 60) -> str:
    """The prompt part of result filenames: `high_definition_photo_of_a_…` (reference §3.4)."""
    plain = re.sub(r"<https?://\S+>|https?://\S+|--\S+(\s+[^-\s]\S*)?", " ", prompt)
    words = re.findall(r"[A-Za-z0-9]+", plain.lower())
    return "_".join(words)[:limit].rstrip("_") or "image"
