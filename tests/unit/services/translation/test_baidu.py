"""The Baidu provider against a local server speaking fanyi-api's form and JSON format."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from pydantic import SecretStr

from mjproxy.domain.errors import TranslationFailed
from mjproxy.services.prompt_settings import BaiduTranslationSettings
from mjproxy.services.translation.baidu import BaiduTranslator
from mjproxy.services.translation.base import build_client

from .provider_server import ProviderServer, ReceivedRequest

APP_ID = "20240101000000001"
SECRET = "baidu-secret-XyZ123"
PATH = "/api/trans/vip/translate"


def translator(server: ProviderServer, *, timeout_s: float = 5) -> BaiduTranslator:
    settings = BaiduTranslationSettings(
        url=server.base_url + PATH,
        app_id=APP_ID,
        app_secret=SecretStr(SECRET),
        timeout_s=timeout_s,
    )
    return BaiduTranslator(settings, client=build_client(timeout_s=timeout_s))


def form_of(request: ReceivedRequest) -> dict[str, str]:
    fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in fields.values())
    return {name: values[0] for name, values in fields.items()}


async def baidu(request: ReceivedRequest) -> web.StreamResponse:
    """Baidu's behaviour: check the signature, answer one trans_result per input line."""
    form = form_of(request)
    expected = hashlib.md5(
        (form["appid"] + form["q"] + form["salt"] + SECRET).encode("utf-8")
    ).hexdigest()
    if form["sign"] != expected:
        return web.json_response({"error_code": "54001", "error_msg": "Invalid Sign"})
    lines = {"一只猫": "A cat", "在窗台上": "On the windowsill"}
    return web.json_response(
        {
            "from": form["from"],
            "to": form["to"],
            "trans_result": [{"src": q, "dst": lines[q]} for q in form["q"].split("\n")],
        }
    )


async def test_sends_signed_form_and_joins_the_result_lines(
    provider_server: ProviderServer,
) -> None:
    provider_server.respond = baidu
    subject = translator(provider_server)
    assert await subject.translate("一只猫\n在窗台上") == "A cat\nOn the windowsill"
    await subject.aclose()

    request = provider_server.only_request
    assert (request.method, request.path) == ("POST", PATH)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = form_of(request)
    assert set(form) == {"q", "from", "to", "appid", "salt", "sign"}
    assert (form["from"], form["to"], form["appid"]) == ("zh", "en", APP_ID)
    assert form["salt"].isdigit()
    assert SECRET not in request.body.decode("utf-8")


async def test_salt_changes_between_requests(provider_server: ProviderServer) -> None:
    provider_server.respond = baidu
    subject = translator(provider_server)
    await subject.translate("一只猫")
    await subject.translate("一只猫")
    await subject.aclose()
    salts = {form_of(request)["salt"] for request in provider_server.requests}
    assert len(salts) == 2


def answer(body: Any, status: int = 200) -> Any:
    async def respond(_: ReceivedRequest) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)

    return respond


FAILURES = [
    pytest.param(
        answer({"error_code": "54001", "error_msg": "Invalid Sign"}),
        "rejected the signature (error 54001)",
        id="bad-sign",
    ),
    pytest.param(
        answer({"error_code": "52003", "error_msg": "UNAUTHORIZED USER"}),
        "does not accept the app id (error 52003)",
        id="bad-appid",
    ),
    pytest.param(
        answer({"error_code": 54004, "error_msg": "Please recharge"}),
        "balance is used up",
        id="numeric-code",
    ),
    pytest.param(answer({"error_code": "99999"}), "error code '99999'", id="unknown-code"),
    pytest.param(answer({"error": "oops"}, status=500), "HTTP 500", id="http-500"),
    pytest.param(answer("upstream timeout", status=502), "HTTP 502", id="http-502"),
    pytest.param(answer("not json"), "not JSON", id="not-json"),
    pytest.param(answer({"from": "zh", "to": "en"}), "no trans_result", id="no-result"),
    pytest.param(answer({"trans_result": [{"src": "猫", "dst": 5}]}), "no dst text", id="bad-dst"),
]


@pytest.mark.parametrize(("respond", "reason"), FAILURES)
async def test_failures_raise_translation_failed_without_secrets(
    provider_server: ProviderServer, respond: Any, reason: str
) -> None:
    provider_server.respond = respond
    subject = translator(provider_server)
    with pytest.raises(TranslationFailed, match="baidu") as caught:
        await subject.translate("一只猫")
    await subject.aclose()
    assert reason in str(caught.value)
    assert SECRET not in str(caught.value)


async def test_success_code_52000_is_not_an_error(provider_server: ProviderServer) -> None:
    provider_server.respond = answer(
        {"error_code": "52000", "trans_result": [{"src": "猫", "dst": "cat"}]}
    )
    subject = translator(provider_server)
    assert await subject.translate("猫") == "cat"
    await subject.aclose()


async def test_timeout_raises_translation_failed(provider_server: ProviderServer) -> None:
    provider_server.respond = provider_server.hang
    subject = translator(provider_server, timeout_s=0.2)
    with pytest.raises(TranslationFailed, match=r"did not answer within 0\.2 s"):
        await subject.translate("一只猫")
    await subject.aclose()
