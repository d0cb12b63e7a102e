"""The DeepL provider against a local server speaking DeepL's /v2/translate format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from mjproxy.domain.errors import TranslationFailed
from mjproxy.services.prompt_settings import DeepLTranslationSettings
from mjproxy.services.translation.base import build_client
from mjproxy.services.translation.deepl import DeepLTranslator, endpoint

from .provider_server import ProviderServer, ReceivedRequest

KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:fx"


def translator(server: ProviderServer, *, timeout_s: float = 5) -> DeepLTranslator:
    settings = DeepLTranslationSettings(
        auth_key=SecretStr(KEY), base_url=server.base_url, timeout_s=timeout_s
    )
    return DeepLTranslator(settings, client=build_client(timeout_s=timeout_s))


async def deepl(request: ReceivedRequest) -> web.StreamResponse:
    """DeepL's behaviour: 403 without the right key, one translation per text."""
    if request.headers.get("Authorization") != f"DeepL-Auth-Key {KEY}":
        return web.json_response({"message": "Wrong endpoint or key"}, status=403)
    body = json.loads(request.body)
    texts = {"水墨画风格的山水": "Landscape in ink-wash painting style"}
    return web.json_response(
        {
            "translations": [
                {"detected_source_language": "ZH", "text": texts[text]} for text in body["text"]
            ]
        }
    )


async def test_sends_json_with_the_auth_key_header(provider_server: ProviderServer) -> None:
    provider_server.respond = deepl
    subject = translator(provider_server)
    result = await subject.translate("水墨画风格的山水")
    await subject.aclose()

    assert result == "Landscape in ink-wash painting style"
    request = provider_server.only_request
    assert (request.method, request.path) == ("POST", "/v2/translate")
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "text": ["水墨画风格的山水"],
        "source_lang": "ZH",
        "target_lang": "EN-US",
    }


@pytest.mark.parametrize(
    ("key", "plan", "base_url", "expected"),
    [
        ("abc:fx", "auto", None, "https://api-free.deepl.com/v2/translate"),
        ("abc", "auto", None, "https://api.deepl.com/v2/translate"),
        ("abc", "free", None, "https://api-free.deepl.com/v2/translate"),
        ("abc:fx", "pro", None, "https://api.deepl.com/v2/translate"),
        ("abc", "auto", "http://127.0.0.1:9/", "http://127.0.0.1:9/v2/translate"),
    ],
)
def test_endpoint_follows_plan_and_key_suffix(
    key: str, plan: Any, base_url: str | None, expected: str
) -> None:
    settings = DeepLTranslationSettings(auth_key=SecretStr(key), plan=plan, base_url=base_url)
    assert endpoint(settings) == expected


def answer(body: Any, status: int = 200) -> Any:
    async def respond(_: ReceivedRequest) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)

    return respond


FAILURES = [
    pytest.param(
        answer({"message": f"Invalid key {KEY}"}, status=403), "auth key (HTTP 403)", id="auth"
    ),
    pytest.param(answer({"message": "Quota exceeded"}, status=456), "quota", id="quota"),
    pytest.param(answer({"message": "Too many"}, status=429), "HTTP 429", id="rate"),
    pytest.param(answer("Internal error", status=500), "HTTP 500", id="http-500"),
    pytest.param(answer("<html/>"), "not JSON", id="not-json"),
    pytest.param(answer({"translations": []}), "no translations", id="empty"),
    pytest.param(answer({"translations": [{"text": ""}]}), "no translated text", id="blank"),
]


@pytest.mark.parametrize(("respond", "reason"), FAILURES)
async def test_failures_raise_translation_failed_without_the_key(
    provider_server: ProviderServer, respond: Any, reason: str
) -> None:
    provider_server.respond = respond
    subject = translator(provider_server)
    with pytest.raises(TranslationFailed, match="deepl") as caught:
        await subject.translate("水墨画风格的山水")
    await subject.aclose()
    assert reason in str(caught.value)
    assert KEY not in str(caught.value)


async def test_wrong_key_is_an_auth_failure(provider_server: ProviderServer) -> None:
    provider_server.respond = deepl
    settings = DeepLTranslationSettings(
        auth_key=SecretStr("wrong:fx"), base_url=provider_server.base_url
    )
    subject = DeepLTranslator(settings, client=build_client(timeout_s=5))
    with pytest.raises(TranslationFailed, match="HTTP 403"):
        await subject.translate("水墨画风格的山水")
    await subject.aclose()


async def test_timeout_raises_translation_failed(provider_server: ProviderServer) -> None:
    provider_server.respond = provider_server.hang
    subject = translator(provider_server, timeout_s=0.2)
    with pytest.raises(TranslationFailed, match=r"did not answer within 0\.2 s"):
        await subject.translate("水墨画风格的山水")
    await subject.aclose()
