"""The OpenAI-compatible provider against a local server speaking chat-completions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from mjproxy.domain.errors import TranslationFailed
from mjproxy.services.prompt_settings import OpenAITranslationSettings
from mjproxy.services.translation.base import build_client
from mjproxy.services.translation.openai import OpenAITranslator

from .provider_server import ProviderServer, ReceivedRequest

KEY = "sk-test-0123456789secret"


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
    }


def translator(server: ProviderServer, **overrides: Any) -> OpenAITranslator:
    settings = OpenAITranslationSettings(
        base_url=server.base_url + "/v1",
        api_key=SecretStr(KEY),
        model="test-model",
        **overrides,
    )
    return OpenAITranslator(settings, client=build_client(timeout_s=settings.timeout_s))


async def test_sends_chat_completion_request_and_reads_the_answer(
    provider_server: ProviderServer,
) -> None:
    async def respond(_: ReceivedRequest) -> web.StreamResponse:
        return web.json_response(completion("cyberpunk city at night"))

    provider_server.respond = respond
    subject = translator(provider_server)
    assert await subject.translate("赛博朋克城市夜景") == "cyberpunk city at night"
    await subject.aclose()

    request = provider_server.only_request
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    assert "max_tokens" not in body
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"] == "赛博朋克城市夜景"


async def test_sends_extra_headers_and_no_authorization_without_a_key(
    provider_server: ProviderServer,
) -> None:
    async def respond(_: ReceivedRequest) -> web.StreamResponse:
        return web.json_response(completion('"a red dress"'))

    provider_server.respond = respond
    settings = OpenAITranslationSettings(
        base_url=provider_server.base_url + "/v1/",
        model="qwen",
        max_tokens=200,
        temperature=None,
        extra_headers={"X-Tenant": "art"},
    )
    subject = OpenAITranslator(settings, client=build_client(timeout_s=5))
    assert await subject.translate("红色连衣裙") == "a red dress"
    await subject.aclose()

    request = provider_server.only_request
    assert request.path == "/v1/chat/completions"
    assert "Authorization" not in request.headers
    assert request.headers["X-Tenant"] == "art"
    body = json.loads(request.body)
    assert body["max_tokens"] == 200
    assert "temperature" not in body


def status(code: int, body: Any) -> Any:
    async def respond(_: ReceivedRequest) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(status=code, text=body, content_type="text/html")
        return web.json_response(body, status=code)

    return respond


FAILURES = [
    pytest.param(
        status(401, {"error": {"message": f"Incorrect API key provided: {KEY[:8]}***{KEY[-4:]}"}}),
        "refused the credentials (HTTP 401)",
        id="auth",
    ),
    pytest.param(status(500, {"error": {"message": "boom"}}), "HTTP 500", id="http-500"),
    pytest.param(status(429, {"error": {}}), "HTTP 429", id="rate-limited"),
    pytest.param(status(200, "<html>gateway</html>"), "not JSON", id="not-json"),
    pytest.param(status(200, [1, 2]), "not a JSON object", id="json-array"),
    pytest.param(status(200, {"choices": []}), "no choices", id="no-choices"),
    pytest.param(status(200, completion("  ")), "no message content", id="empty-content"),
    pytest.param(
        status(200, {"choices": [{"message": {"content": None}}]}),
        "no message content",
        id="null-content",
    ),
]


@pytest.mark.parametrize(("respond", "reason"), FAILURES)
async def test_failures_raise_translation_failed_without_the_key(
    provider_server: ProviderServer, respond: Any, reason: str
) -> None:
    provider_server.respond = respond
    subject = translator(provider_server)
    with pytest.raises(TranslationFailed, match="openai") as caught:
        await subject.translate("猫")
    await subject.aclose()
    assert reason in str(caught.value)
    assert KEY[:8] not in str(caught.value)
    assert KEY[-4:] not in str(caught.value)


async def test_timeout_raises_translation_failed(provider_server: ProviderServer) -> None:
    provider_server.respond = provider_server.hang
    subject = translator(provider_server, timeout_s=0.2)
    with pytest.raises(TranslationFailed, match=r"did not answer within 0\.2 s"):
        await subject.translate("猫")
    await subject.aclose()
    assert len(provider_server.requests) == 1


async def test_connection_refused_raises_translation_failed() -> None:
    settings = OpenAITranslationSettings(base_url="http://127.0.0.1:1/v1", api_key=SecretStr(KEY))
    subject = OpenAITranslator(settings, client=build_client(timeout_s=5))
    with pytest.raises(TranslationFailed, match="could not be completed"):
        await subject.translate("猫")
    await subject.aclose()
