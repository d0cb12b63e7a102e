"""PromptTranslator: only Chinese prose is translated; the rest of the prompt is untouched."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from pydantic import SecretStr

from mjproxy.domain.errors import TranslationFailed
from mjproxy.domain.prompt import parse_prompt
from mjproxy.services.prompt_settings import DeepLTranslationSettings, TranslationSettings
from mjproxy.services.translation import (
    PromptTranslator,
    TranslationCache,
    build_prompt_translator,
)

from ..dictionary_translator import DictionaryTranslator
from .provider_server import ProviderServer, ReceivedRequest

WORDS = {
    "赛博朋克城市": "cyberpunk city",
    "夜景": "night view",
    "红色 蓝色": "red blue",
    "一只猫": "a cat",
    "可爱的 cat": "cute cat",
}

CASES = [
    ("赛博朋克城市 --ar 16:9 --v 7", "cyberpunk city --ar 16:9 --v 7", ["赛博朋克城市"]),
    (
        "<https://s.mj.run/abc> 赛博朋克城市::2 夜景 --no 红色 蓝色 --s 250",
        "<https://s.mj.run/abc> cyberpunk city::2 night view --no red blue --s 250",
        ["赛博朋克城市", "夜景", "红色 蓝色"],
    ),
    (
        "https://example.com/a.png 一只猫 --sref https://example.com/s.png --iw 1.5",
        "https://example.com/a.png a cat --sref https://example.com/s.png --iw 1.5",
        ["一只猫"],
    ),
    ("a dog --no 红色 蓝色", "a dog --no red blue", ["红色 蓝色"]),
    ("可爱的 cat --p abc123", "cute cat --p abc123", ["可爱的 cat"]),
    ("a cat --ar 2:3", "a cat --ar 2:3", []),
]


@pytest.mark.parametrize(("prompt", "expected", "asked"), CASES)
async def test_translates_only_chinese_prose(prompt: str, expected: str, asked: list[str]) -> None:
    provider = DictionaryTranslator(WORDS)
    result = await PromptTranslator(provider).translate(parse_prompt(prompt))
    assert result.prompt == expected
    assert result.translated is bool(asked)
    assert provider.asked == asked


async def test_without_a_provider_the_prompt_is_unchanged() -> None:
    result = await PromptTranslator(None).translate(parse_prompt("一只猫 --v 7"))
    assert (result.prompt, result.translated, result.failed) == ("一只猫 --v 7", False, False)


async def test_repeated_text_is_served_from_the_cache() -> None:
    provider = DictionaryTranslator(WORDS)
    translator = PromptTranslator(provider, cache_size=8)
    await translator.translate(parse_prompt("一只猫 --ar 1:1"))
    second = await translator.translate(parse_prompt("一只猫 --ar 2:3"))
    assert second.prompt == "a cat --ar 2:3"
    assert provider.asked == ["一只猫"]


def test_cache_evicts_the_least_recently_used_entry() -> None:
    cache = TranslationCache(2)
    cache.put("p", "a", "A")
    cache.put("p", "b", "B")
    assert cache.get("p", "a") == "A"
    cache.put("p", "c", "C")
    assert (cache.get("p", "a"), cache.get("p", "b"), cache.get("p", "c")) == ("A", None, "C")
    assert len(cache) == 2


def test_cache_keys_include_the_provider() -> None:
    cache = TranslationCache(4)
    cache.put("deepl", "猫", "cat")
    assert cache.get("baidu", "猫") is None


def test_cache_of_size_zero_keeps_nothing() -> None:
    cache = TranslationCache(0)
    cache.put("p", "a", "A")
    assert cache.get("p", "a") is None


async def test_failure_is_raised_under_the_reject_policy() -> None:
    translator = PromptTranslator(DictionaryTranslator(WORDS, fail=True), on_failure="reject")
    with pytest.raises(TranslationFailed, match="dictionary failed: it answered HTTP 500"):
        await translator.translate(parse_prompt("一只猫"))


async def test_failure_passes_the_prompt_through_under_the_passthrough_policy() -> None:
    provider = DictionaryTranslator(WORDS, fail=True)
    translator = PromptTranslator(provider, on_failure="passthrough")
    result = await translator.translate(parse_prompt("一只猫 --v 7"))
    assert (result.prompt, result.translated, result.failed) == ("一只猫 --v 7", False, True)
    assert len(translator.cache) == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("a cat --v 4", "a cat -v 4 --ar 1:1"),
        ("a cat \u2014tile", "a cat -tile --ar 1:1"),
        ("a cat\non a mat", "a cat on a mat --ar 1:1"),
    ],
)
async def test_translation_cannot_add_parameters_or_lines(answer: str, expected: str) -> None:
    translator = PromptTranslator(DictionaryTranslator({"一只猫": answer}))
    result = await translator.translate(parse_prompt("一只猫 --ar 1:1"))
    assert result.prompt == expected
    assert parse_prompt(result.prompt).parameters == parse_prompt("x --ar 1:1").parameters


async def test_aclose_closes_the_provider() -> None:
    provider = DictionaryTranslator(WORDS)
    await PromptTranslator(provider).aclose()
    assert provider.closed


async def test_configured_provider_translates_over_http(provider_server: ProviderServer) -> None:
    async def respond(request: ReceivedRequest) -> web.StreamResponse:
        texts = json.loads(request.body)["text"]
        return web.json_response({"translations": [{"text": f"<{t}>"} for t in texts]})

    provider_server.respond = respond
    settings = TranslationSettings(
        provider="deepl",
        deepl=DeepLTranslationSettings(auth_key=SecretStr("k"), base_url=provider_server.base_url),
    )
    translator = build_prompt_translator(settings)
    result = await translator.translate(parse_prompt("一只猫 --no 红色 --ar 3:2"))
    await translator.aclose()
    assert result.prompt == "<一只猫> --no <红色> --ar 3:2"
    assert len(provider_server.requests) == 2


def test_provider_none_builds_no_translator() -> None:
    assert not build_prompt_translator(TranslationSettings()).enabled


async def test_requests_go_through_the_configured_proxy(provider_server: ProviderServer) -> None:
    async def respond(request: ReceivedRequest) -> web.StreamResponse:
        return web.json_response({"translations": [{"text": "a cat"}]})

    provider_server.respond = respond
    settings = TranslationSettings(
        provider="deepl",
        proxy=SecretStr(provider_server.base_url),
        deepl=DeepLTranslationSettings(auth_key=SecretStr("k"), base_url="http://deepl.invalid"),
    )
    translator = build_prompt_translator(settings)
    result = await translator.translate(parse_prompt("一只猫"))
    await translator.aclose()
    assert result.prompt == "a cat"
    assert provider_server.only_request.headers["Host"] == "deepl.invalid"
    assert provider_server.only_request.path == "/v2/translate"
