"""The per-version parameter table: valid and invalid examples for every parameter."""

from __future__ import annotations

import pytest

from mjproxy.domain.errors import InvalidPrompt, InvalidPromptParameter
from mjproxy.domain.prompt import ALIASES, parse_prompt
from mjproxy.domain.prompt_rules import ANY_VERSION, VERSIONS, validate_parameters
from mjproxy.domain.task import BotType

URL = "https://e.com/a.png"

VALID = [
    # aspect
    "cat --ar 16:9",
    "cat --aspect 1:2 --v 5",
    "cat --ar 21:9 --niji 6",
    # version / niji
    *[f"cat --v {v}" for v in ("5", "5.0", "5.1", "5.2", "6", "6.0", "6.1", "7", "8", "8.1")],
    "cat --version 6.1",
    "cat --niji",
    *[f"cat --niji {v}" for v in ("5", "6", "7")],
    # style / raw
    "cat --style raw --v 5.1",
    "cat --style raw --v 7",
    "cat --raw --v 6.1",
    "cat --style cute --niji 5",
    "cat --style scenic --niji 5",
    "cat --style raw --niji 6",
    "cat --style expressive --niji 7",
    # stylize, chaos, weird, seed, stop, repeat
    "cat --s 0 --v 5",
    "cat --stylize 1000 --v 7",
    "cat --c 100",
    "cat --chaos 0 --v 5.2",
    "cat --w 3000 --v 6",
    "cat --weird 0 --v 7",
    "cat --seed 0",
    "cat --seed 4294967295 --v 8.1",
    "cat --stop 10",
    "cat --stop 100 --v 6.1",
    "cat --repeat 40",
    "cat --r 1",
    # no, tile
    "cat --no red",
    "cat --no red, blue green",
    "cat --tile --v 5",
    # quality
    "cat --q .25 --v 5",
    "cat --q 0.5 --v 6.1",
    "cat --quality 2 --v 6",
    "cat --q 1 --v 7",
    "cat --q 4 --v 7",
    "cat --q 2 --v 8",
    "cat --q 4 --v 8.1",
    "cat --q 4 --niji 7",
    # image weight
    f"{URL} cat --iw 2 --v 5.2",
    f"{URL} cat --iw 0.5 --v 6.1",
    f"{URL} cat --iw 3 --v 7",
    f"{URL} cat --iw 2.5 --v 8.1",
    # style references
    f"cat --sref {URL} --v 6",
    "cat --sref 1234567 --v 7",
    f"cat --sref random {URL}::2 42::0.5 --sw 500 --v 7",
    "cat --sref 123 --sv 4 --v 6.1",
    "cat --sref 123 --sv 6 --v 7",
    "cat --sref 123 --sv 7 --v 8.1",
    "cat --sref 123 --sw 0 --niji 6",
    # character reference (V6 line)
    f"cat --cref {URL} --v 6",
    f"cat --cref {URL} {URL} --cw 0 --v 6.1",
    f"cat --cref {URL} --cw 100 --niji 6",
    # omni reference (V7)
    f"cat --oref {URL} --ow 1 --v 7",
    f"cat --oref <{URL}> --ow 1000 --v 7",
    # personalization
    "cat --p --v 7",
    "cat --p abc123 --v 6.1",
    "cat --personalize m7a2-b 9xk --v 7",
    "cat --profile abc --niji 7",
    # V7 era
    "cat --exp 100 --v 7",
    "cat --exp 0 --v 8.1",
    "cat --draft --v 7",
    "cat --hd --v 8.1",
    # video
    f"{URL} cat --video 1 --v 7",
    f"{URL} cat --video --motion high --v 7",
    f"{URL} cat --video 1 --motion low --loop --bs 2 --v 7",
    f"{URL} cat --video 1 --end {URL} --bs 4 --v 7",
    f"{URL} cat --video 1 --end loop --raw --v 7",
    # zoom, speed
    "cat --ar 1:1 --zoom 1.5",
    "cat --zoom 2",
    "cat --zoom 1",
    "cat --fast",
    "cat --relax --v 6",
    "cat --turbo --niji 6",
    # permutations: each option is checked
    "cat --ar {1:1, 16:9}",
    "cat --s {0,500,1000} --v {6.1, 7}",
    "cat --v {6.1, 7} --q 1",
    # weights
    "hot:: dog",
    "hot::2 dog::-1",
    "cat::1 --no dog",
]


@pytest.mark.parametrize("prompt", VALID)
def test_valid_prompts_pass(prompt: str) -> None:
    validate_parameters(parse_prompt(prompt))


INVALID = [
    # aspect
    ("cat --ar 16/9", "--ar takes a ratio of two whole numbers such as 16:9, but got '16/9'."),
    ("cat --ar 1.5:1", "--ar takes a ratio of two whole numbers"),
    ("cat --ar 0:1", "--ar takes a ratio"),
    ("cat --ar", "--ar takes a ratio of two whole numbers such as 16:9, but got nothing."),
    ("cat --ar 16:9 2:3", "but got '16:9 2:3'"),
    # version / niji
    ("cat --v 4", "--v takes 5, 5.1, 5.2, 6, 6.1, 7, 8 or 8.1, but got '4'."),
    ("cat --v 9", "--v takes 5, 5.1"),
    ("cat --v seven", "--v takes"),
    ("cat --version", "got nothing"),
    ("cat --niji 4", "--niji takes no value or 5, 6 or 7, but got '4'."),
    ("cat --v 7 --niji 6", "--v and --niji both choose a model; give only one of them."),
    # style / raw
    ("cat --style raw --v 5", "--style is not available on V5; it works on V5.1"),
    ("cat --style cute --v 7", "--style takes raw on V7, but got 'cute'."),
    ("cat --style raw --niji 5", "--style takes cute, expressive, original or scenic on niji 5"),
    ("cat --style 4a --v 6", "--style takes raw on V6"),
    ("cat --raw --v 5", "--raw is not available on V5"),
    ("cat --raw --niji 5", "--raw is not available on niji 5"),
    # stylize, chaos, weird, seed, stop, repeat
    ("cat --s 1001", "--s takes a whole number from 0 to 1000, but got '1001'."),
    ("cat --stylize -1", "--stylize takes a whole number from 0 to 1000"),
    ("cat --s 2.5 --v 7", "--s takes a whole number from 0 to 1000 on V7, but got '2.5'."),
    ("cat --c 101", "--c takes a whole number from 0 to 100"),
    ("cat --chaos lots", "--chaos takes a whole number from 0 to 100"),
    ("cat --w 3001 --v 7", "--w takes a whole number from 0 to 3000 on V7"),
    ("cat --weird 5 --niji 5", "--weird is not available on niji 5"),
    ("cat --seed 4294967296", "--seed takes a whole number from 0 to 4294967295"),
    ("cat --seed -1", "--seed takes a whole number"),
    ("cat --stop 9", "--stop takes a whole number from 10 to 100"),
    ("cat --stop 101 --v 6", "--stop takes a whole number from 10 to 100 on V6"),
    ("cat --repeat 41", "--repeat takes a whole number from 1 to 40"),
    ("cat --r 0", "--r takes a whole number from 1 to 40"),
    # no, tile
    ("cat --no", "--no takes one or more words to leave out, but got nothing."),
    ("cat --tile yes", "--tile takes no value, but got 'yes'."),
    # quality
    ("cat --q 4 --v 6.1", "--q takes 0.25, 0.5, 1 or 2 on V6.1, but got '4'."),
    ("cat --q .5 --v 7", "--q takes 1, 2 or 4 on V7, but got '.5'."),
    ("cat --q 4 --v 8", "--q takes 1 or 2 on V8"),
    ("cat --q 3", "--q takes 0.25, 0.5, 1, 2 or 4, but got '3'."),
    ("cat --quality high", "--quality takes"),
    # image weight
    (f"{URL} cat --iw 2.5 --v 6", "--iw takes a number from 0 to 2 on V6, but got '2.5'."),
    (f"{URL} cat --iw 3.5 --v 7", "--iw takes a number from 0 to 3 on V7"),
    (f"{URL} cat --iw 1 --v 8", "--iw is not available on V8"),
    # style references
    ("cat --sref 123 --v 5.2", "--sref is not available on V5.2; it works on V6, V6.1, V7"),
    ("cat --sref --v 7", "--sref takes one or more image URLs or style codes on V7"),
    ("cat --sref abc --v 7", "but got 'abc'"),
    ("cat --sref 1 --sw 1001 --v 7", "--sw takes a whole number from 0 to 1000 on V7"),
    ("cat --sref 1 --sv 5 --v 6.1", "--sv takes 1, 2, 3 or 4 on V6.1, but got '5'."),
    ("cat --sref 1 --sv 7 --v 7", "--sv takes 1, 2, 3, 4, 5 or 6 on V7"),
    ("cat --sref 1 --sv 8 --v 8.1", "--sv takes 1, 2, 3, 4, 5, 6 or 7 on V8.1"),
    # character reference
    (f"cat --cref {URL} --v 7", "--cref is not available on V7; it works on V6, V6.1 or niji 6."),
    (f"cat --cref {URL} --niji 7", "--cref is not available on niji 7"),
    (f"cat --cref {URL} --v 5.2", "--cref is not available on V5.2"),
    ("cat --cref 123 --v 6", "--cref takes one or more image URLs on V6, but got '123'."),
    (f"cat --cref {URL} --cw 101 --v 6", "--cw takes a whole number from 0 to 100 on V6"),
    # omni reference
    (f"cat --oref {URL} --v 6.1", "--oref is not available on V6.1; it works on V7."),
    (f"cat --oref {URL} --v 8.1", "--oref is not available on V8.1; it works on V7."),
    (f"cat --oref {URL} --niji 6", "--oref is not available on niji 6"),
    (f"cat --oref {URL} {URL} --v 7", "--oref takes one image URL on V7"),
    (f"cat --oref {URL} --ow 0 --v 7", "--ow takes a whole number from 1 to 1000 on V7"),
    ("cat --ow 1001 --v 7", "--ow takes a whole number from 1 to 1000"),
    # personalization
    ("cat --p abc --v 5.2", "--p is not available on V5.2"),
    ("cat --p a/b --v 7", "--p takes no value or personalization codes on V7"),
    # V7 era
    ("cat --exp 101 --v 7", "--exp takes a whole number from 0 to 100 on V7"),
    ("cat --exp 5 --v 6.1", "--exp is not available on V6.1"),
    (
        "cat --draft --v 6.1",
        "--draft is not available on V6.1; it works on V7, V8, V8.1 or niji 7.",
    ),
    ("cat --draft 1 --v 7", "--draft takes no value on V7, but got '1'."),
    ("cat --hd --v 7", "--hd is not available on V7; it works on V8.1."),
    ("cat --hd --v 8", "--hd is not available on V8;"),
    # video
    (f"{URL} cat --video 1 --v 6.1", "--video is not available on V6.1"),
    (f"{URL} cat --video 2 --v 7", "--video takes no value or 1 on V7, but got '2'."),
    (f"{URL} cat --video --motion fast --v 7", "--motion takes low or high on V7"),
    (f"{URL} cat --video --bs 3 --v 7", "--bs takes 1, 2 or 4 on V7, but got '3'."),
    (f"{URL} cat --video --end maybe --v 7", "--end takes one image URL or 'loop' on V7"),
    (f"{URL} cat --video --loop 1 --v 7", "--loop takes no value on V7"),
    (f"{URL} cat --video --niji 7", "--video is not available on niji 7"),
    # zoom, speed
    ("cat --zoom 2.5", "--zoom takes a number from 1 to 2, but got '2.5'."),
    ("cat --zoom 0.9", "--zoom takes a number from 1 to 2"),
    ("cat --fast now", "--fast takes no value, but got 'now'."),
    ("cat --fast --relax", "--fast and --relax ask for different speed modes"),
    # permutations
    (
        "cat --ar {1:1, 16/9}",
        "--ar takes a ratio of two whole numbers such as 16:9, but got '16/9'.",
    ),
    ("cat --s {100, 2000}", "--s takes a whole number from 0 to 1000, but got '2000'."),
    ("cat --q {1, 3} --v 7", "--q takes 1, 2 or 4 on V7, but got '3'."),
    (f"cat --v {{6.1, 7}} --cref {URL}", "--cref is not available on V7;"),
    ("cat --v {6.1, 9}", "--v takes 5, 5.1, 5.2, 6, 6.1, 7, 8 or 8.1, but got '9'."),
    ("cat --niji {6, 7} --style cute", "--style takes raw on niji 6, but got 'cute'."),
    # general
    ("cat --ar 1:1 --ar 2:3", "--ar is given more than once; give each parameter once."),
    ("cat --ar 1:1 --aspect 2:3", "--aspect is given more than once"),
    ("cat --foo 1", "--foo is not a Midjourney parameter; check its spelling or remove it."),
    ("hot::-1 dog::-1", "The '::' weights add up to -2;"),
    ("cat::-1", "The '::' weights add up to -1;"),
]


@pytest.mark.parametrize(("prompt", "message"), INVALID)
def test_invalid_prompts_are_refused_with_a_sentence(prompt: str, message: str) -> None:
    with pytest.raises(InvalidPromptParameter) as caught:
        validate_parameters(parse_prompt(prompt))
    assert message in str(caught.value)
    assert isinstance(caught.value, InvalidPrompt)
    assert caught.value.code == 4


def test_error_names_the_parameter_as_written() -> None:
    with pytest.raises(InvalidPromptParameter) as caught:
        validate_parameters(parse_prompt("cat --stylize 5000"))
    assert caught.value.parameter == "--stylize"


def test_repeated_no_is_allowed() -> None:
    validate_parameters(parse_prompt("cat --no red --no blue"))


def test_unknown_parameters_pass_when_allowed() -> None:
    validate_parameters(parse_prompt("cat --foo 1 --ar 1:1"), allow_unknown=True)


def test_assumed_version_applies_without_a_version_flag() -> None:
    parsed = parse_prompt(f"cat --oref {URL}")
    assert validate_parameters(parsed).key == "any"
    with pytest.raises(InvalidPromptParameter, match=r"not available on V6\.1"):
        validate_parameters(parsed, assumed_version="6.1")


def test_explicit_version_beats_the_assumed_one() -> None:
    parsed = parse_prompt(f"cat --oref {URL} --v 7")
    assert validate_parameters(parsed, assumed_version="6.1").key == "7"


def test_niji_bot_checks_against_the_default_niji_model() -> None:
    parsed = parse_prompt(f"cat --cref {URL}")
    with pytest.raises(InvalidPromptParameter, match="not available on niji 7"):
        validate_parameters(parsed, bot_type=BotType.NIJI_JOURNEY)
    assert validate_parameters(parse_prompt("cat --niji 6"), bot_type=BotType.NIJI_JOURNEY).key == (
        "niji 6"
    )


@pytest.mark.parametrize(
    ("prompt", "key"),
    [
        ("cat", "any"),
        ("cat --v 6.0", "6"),
        ("cat --v {7, 6.1}", "7"),
        ("cat --v 5.20", "5.2"),
        ("cat --niji", "niji 7"),
    ],
)
def test_resolved_version(prompt: str, key: str) -> None:
    assert validate_parameters(parse_prompt(prompt)).key == key


def test_every_rule_name_is_a_known_parameter() -> None:
    canonical = set(ALIASES.values())
    for version in [*VERSIONS.values(), ANY_VERSION]:
        assert set(version.rules) <= canonical, version.key
    assert set(ANY_VERSION.rules) == canonical


def test_every_version_has_the_core_parameters() -> None:
    core = {"aspect", "chaos", "no", "seed", "stylize", "tile", "fast", "relax", "turbo", "quality"}
    for version in VERSIONS.values():
        assert core <= set(version.rules), version.key
