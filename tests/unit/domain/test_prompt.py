"""Parsing prompts into text, image URLs, weights and parameters."""

from __future__ import annotations

import pytest

from mjproxy.domain.prompt import (
    Parameter,
    PartKind,
    parse_prompt,
    render_without,
    requests_niji,
    speed_modes,
    strip_speed_flags,
)
from mjproxy.domain.task import Mode

ROUND_TRIP = [
    "",
    "a cat",
    "  a cat  ",
    "<https://s.mj.run/a> https://e.com/b.png a cat::2 a dog::-0.5 --ar 16:9 --no red  blue",
    "赛博朋克 城市 --v 6.1 --style raw --s 250 --c 10 --w 100 --seed 42 --tile",
    "cat --sref 123::2 https://e.com/s.png --p abc def --fast",
    "a --b c -- d -x --",
    "cat\n--ar 2:3",
]


@pytest.mark.parametrize("prompt", ROUND_TRIP)
def test_render_gives_back_the_prompt(prompt: str) -> None:
    assert parse_prompt(prompt).render() == prompt


def test_em_dash_before_a_name_reads_as_a_parameter() -> None:
    parsed = parse_prompt("a cat \u2014ar 2:3 \u2014v 7")
    assert parsed.render() == "a cat --ar 2:3 --v 7"
    assert [p.name for p in parsed.parameters] == ["aspect", "version"]


def test_em_dash_inside_prose_is_kept() -> None:
    assert parse_prompt("cat \u2014 dog").render() == "cat \u2014 dog"


def test_parameters_have_canonical_names_and_values() -> None:
    parsed = parse_prompt("x --AR 3:2 --s 50 --no red blue --tile --foo bar")
    assert parsed.parameters == (
        Parameter("aspect", "ar", ("3:2",)),
        Parameter("stylize", "s", ("50",)),
        Parameter("no", "no", ("red", "blue")),
        Parameter("tile", "tile", ()),
        Parameter("foo", "foo", ("bar",)),
    )
    assert [p.is_known for p in parsed.parameters] == [True] * 4 + [False]


def test_double_dash_inside_a_word_is_not_a_parameter() -> None:
    parsed = parse_prompt("state--of the art")
    assert parsed.parameters == ()
    assert parsed.translatable == ("state--of the art",)


def test_leading_urls_are_image_prompts() -> None:
    parsed = parse_prompt("<https://s.mj.run/a> https://e.com/b.png a cat https://e.com/c.png")
    assert parsed.image_urls == ("https://s.mj.run/a", "https://e.com/b.png")
    assert parsed.translatable == ("a cat",)


@pytest.mark.parametrize(
    ("prompt", "kinds"),
    [
        ("a cat", ["text"]),
        ("a cat::2 dog", ["text", "weight", "space", "text"]),
        ("hot:: dog", ["text", "weight", "space", "text"]),
        ("https://e.com/a.png cat", ["url", "space", "text"]),
        (
            "cat --no red blue --ar 1:1",
            ["text", "space", "flag", "space", "no_value", "space", "flag", "space", "value"],
        ),
    ],
)
def test_parts(prompt: str, kinds: list[str]) -> None:
    assert [part.kind.value for part in parse_prompt(prompt).parts] == kinds


def test_translatable_parts_are_prose_and_no_values() -> None:
    parsed = parse_prompt("https://e.com/a.png 红色 猫::2 狗 --no 蓝色 绿色 --sref 123 --ar 1:1")
    assert parsed.translatable == ("红色 猫", "狗", "蓝色 绿色")
    assert [p.kind for p in parsed.parts if p.is_translatable] == [
        PartKind.TEXT,
        PartKind.TEXT,
        PartKind.NO_VALUE,
    ]


def test_replace_translatable_keeps_everything_else() -> None:
    parsed = parse_prompt("https://e.com/a.png 红色 猫::2 狗 --no 蓝色 --ar 1:1")
    assert (
        parsed.replace_translatable(["red cat", "dog", "blue"])
        == "https://e.com/a.png red cat::2 dog --no blue --ar 1:1"
    )


@pytest.mark.parametrize(
    ("prompt", "weights"),
    [
        ("a cat", ()),
        ("hot:: dog", (1.0, 1.0)),
        ("hot::2 dog::-0.5", (2.0, -0.5)),
        ("hot::2 dog", (2.0, 1.0)),
        ("hot::.5 dog::1.5 --ar 1:1", (0.5, 1.5)),
    ],
)
def test_weights(prompt: str, weights: tuple[float, ...]) -> None:
    assert parse_prompt(prompt).weights() == weights


@pytest.mark.parametrize(
    ("prompt", "chinese"),
    [
        ("a cat", False),
        ("一只猫", True),
        ("a cat --no 红色", True),
        ("https://e.com/猫.png x", False),
    ],
)
def test_has_chinese_reads_only_translatable_parts(prompt: str, chinese: bool) -> None:
    assert parse_prompt(prompt).has_chinese is chinese


@pytest.mark.parametrize(
    ("prompt", "modes", "stripped"),
    [
        ("a cat --ar 1:1", (), "a cat --ar 1:1"),
        ("a cat --fast --ar 1:1", (Mode.FAST,), "a cat --ar 1:1"),
        ("a cat --ar 1:1 --relax", (Mode.RELAX,), "a cat --ar 1:1"),
        ("a cat --turbo --relax", (Mode.TURBO, Mode.RELAX), "a cat"),
    ],
)
def test_speed_modes_and_stripping(prompt: str, modes: tuple[Mode, ...], stripped: str) -> None:
    parsed = parse_prompt(prompt)
    assert speed_modes(parsed) == modes
    assert strip_speed_flags(parsed) == stripped


def test_render_without_drops_flag_and_values() -> None:
    parsed = parse_prompt("a cat --no red blue --ar 1:1")
    assert render_without(parsed, lambda p: p.name == "no") == "a cat --ar 1:1"


@pytest.mark.parametrize(
    ("prompt", "niji"), [("cat --niji", True), ("cat --niji 6", True), ("cat --v 7", False)]
)
def test_requests_niji(prompt: str, niji: bool) -> None:
    assert requests_niji(parse_prompt(prompt)) is niji
