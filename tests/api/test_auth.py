"""API keys: the three header forms, 401 JSON for missing or wrong keys, open mode, admin key."""

from __future__ import annotations

import logging

import pytest
from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from mjproxy.api.auth import KeyCheck
from mjproxy.api.deps import require_admin_key
from mjproxy.api.errors import install_error_handlers
from mjproxy.api.messages import Messages
from tests.harness import StartApp

KEY = "sk-test-key-123"


@pytest.mark.parametrize(
    "headers",
    [
        {"mj-api-secret": KEY},
        {"mj-api-secret": f"Bearer {KEY}"},
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": KEY},
        {"Authorization": "midjourney-proxy", "mj-api-secret": KEY},
    ],
    ids=["mj-api-secret", "mj-api-secret-bearer", "bearer", "bare-authorization", "either"],
)
async def test_a_valid_key_is_accepted_in_every_header_form(
    start_app: StartApp, headers: dict[str, str]
) -> None:
    async with start_app(api_secret=KEY) as app:
        response = await app.client.get("/mj/task/list", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"mj-api-secret": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": ""}],
    ids=["missing", "wrong-secret", "wrong-bearer", "empty"],
)
async def test_a_missing_or_wrong_key_is_401_with_a_json_body(
    start_app: StartApp, headers: dict[str, str]
) -> None:
    async with start_app(api_secret=KEY) as app:
        response = await app.client.post(
            "/mj/submit/imagine", json={"prompt": "a cat"}, headers=headers
        )
        stored, _ = await app.services.queries.recent(limit=10, offset=0)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == 4
    assert "key" in body["description"]
    assert stored == []


async def test_the_401_reply_never_echoes_the_key_that_was_sent(start_app: StartApp) -> None:
    async with start_app(api_secret=KEY) as app:
        response = await app.client.get("/mj/task/list", headers={"mj-api-secret": "guess-xyz"})
    assert "guess-xyz" not in response.text
    assert KEY not in response.text


async def test_task_and_account_routes_need_the_key_under_mode_prefixes_too(
    start_app: StartApp,
) -> None:
    async with start_app(api_secret=KEY) as app:
        for path in ("/mj-fast/mj/task/1/fetch", "/mj-relax/mj/account/list", "/mj/task/queue"):
            assert (await app.client.get(path)).status_code == 401, path


async def test_health_and_docs_need_no_key(start_app: StartApp) -> None:
    async with start_app(api_secret=KEY) as app:
        assert (await app.client.get("/health")).status_code == 200
        assert (await app.client.get("/docs")).status_code == 200
        assert (await app.client.get("/openapi.json")).status_code == 200


async def test_the_admin_key_also_opens_the_api(start_app: StartApp) -> None:
    async with start_app(api_secret=KEY, admin_secret="admin-key") as app:
        response = await app.client.get("/mj/task/list", headers={"mj-api-secret": "admin-key"})
    assert response.status_code == 200


async def test_without_a_configured_key_the_api_is_open_and_a_warning_is_logged(
    start_app: StartApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mjproxy.api.app"):
        async with start_app() as app:
            response = await app.client.get("/mj/task/list")
    assert response.status_code == 200
    assert any("no api_secret" in record.getMessage() for record in caplog.records)


def _admin_app(admin_secret: str | None) -> FastAPI:
    app = FastAPI()
    app.state.keys = KeyCheck(
        api_secret=SecretStr("user-key"),
        admin_secret=SecretStr(admin_secret) if admin_secret else None,
    )
    app.state.messages = Messages("en")
    install_error_handlers(app)

    @app.get("/admin-only", dependencies=[Depends(require_admin_key)])
    async def admin_only() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.mark.parametrize(
    ("admin_secret", "sent", "status"),
    [
        ("admin-key", "admin-key", 200),
        ("admin-key", "user-key", 401),
        ("admin-key", None, 401),
        (None, "user-key", 401),
    ],
    ids=["admin-key", "user-key-refused", "missing", "admin-disabled"],
)
async def test_admin_routes_need_the_admin_key(
    admin_secret: str | None, sent: str | None, status: int
) -> None:
    headers = {"Authorization": f"Bearer {sent}"} if sent else {}
    transport = ASGITransport(app=_admin_app(admin_secret))
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/admin-only", headers=headers)
    assert response.status_code == status
    expected_code = None if status == 200 else 4
    assert response.json().get("code") == expected_code
