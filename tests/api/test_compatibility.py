"""What real clients send and expect (clients.md §5): prefixes, lax bodies, CORS."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import App, StartApp
from tests.images import data_uri

PREFIXES = ["", "/mj-fast", "/mj-relax", "/mj-turbo", "/fast", "/relax", "/anything"]
ROOMY = {"scheduler": {"running": 50, "queued": 50}}


def every_route(task_id: str) -> list[tuple[str, str, Any, int]]:
    """(method, path under /mj, body, expected HTTP status) for every endpoint."""
    png = data_uri("PNG")
    return [
        ("POST", "/submit/imagine", {"prompt": "a cat"}, 200),
        ("POST", "/submit/blend", {"base64Array": [png, png]}, 200),
        ("POST", "/submit/describe", {"base64": png}, 200),
        ("POST", "/submit/shorten", {"prompt": "a cat"}, 200),
        ("POST", "/submit/action", {"taskId": task_id, "customId": "MJ::JOB::upsample::1::x"}, 200),
        ("POST", "/submit/modal", {"taskId": task_id}, 200),
        ("POST", "/submit/change", {"taskId": task_id, "action": "VARIATION", "index": 2}, 200),
        ("POST", "/submit/simple-change", {"content": f"{task_id} U3"}, 200),
        ("POST", "/submit/upload-discord-images", {"base64Array": [png]}, 200),
        ("POST", "/submit/video", {"prompt": "spin", "image": "https://img.test/a.png"}, 200),
        ("POST", "/submit/edits", {"prompt": "blue", "image": png}, 200),
        ("POST", "/insight-face/swap", {"sourceBase64": png, "targetBase64": png}, 200),
        ("GET", f"/task/{task_id}/fetch", None, 200),
        ("POST", "/task/list-by-condition", {"ids": [task_id]}, 200),
        ("GET", "/task/list", None, 200),
        ("GET", "/task/queue", None, 200),
        ("GET", f"/task/{task_id}/image-seed", None, 200),
        ("POST", f"/task/{task_id}/cancel", None, 400),
        ("GET", "/account/list", None, 200),
        ("GET", "/account/acc-1/fetch", None, 200),
    ]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_every_route_answers_under_each_prefix(start_app: StartApp, prefix: str) -> None:
    async with start_app(**ROOMY) as app:
        task_id, _ = await app.finished_imagine()
        for method, path, body, status in every_route(task_id):
            response = await app.client.request(method, f"{prefix}/mj{path}", json=body)
            assert response.status_code == status, (method, prefix + path, response.text)
            assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("prefix", "mode"),
    [("", "FAST"), ("/mj-fast", "FAST"), ("/mj-relax", "RELAX"), ("/mj-turbo", "TURBO"),
     ("/relax", "RELAX"), ("/anything", "FAST")],
)  # fmt: skip
async def test_the_prefix_is_the_speed_mode(start_app: StartApp, prefix: str, mode: str) -> None:
    async with start_app() as app:
        reply = await app.submit(f"{prefix}/mj/submit/imagine", {"prompt": "a cat"})
        task = await app.fetch(reply["result"])
    assert task["mode"] == mode


async def test_bare_mj_uses_the_configured_default_mode(start_app: StartApp) -> None:
    async with start_app(default_mode="RELAX") as app:
        task = await app.fetch(await app.imagine())
    assert task["mode"] == "RELAX"


async def test_a_mode_flag_in_the_prompt_picks_the_mode(start_app: StartApp) -> None:
    async with start_app() as app:
        task = await app.fetch(await app.imagine("a cat --ar 1:1 --turbo"))
    assert task["mode"] == "TURBO"


async def test_account_filter_modes_pick_the_mode(start_app: StartApp) -> None:
    async with start_app() as app:
        task = await app.fetch(await app.imagine("a cat", accountFilter={"modes": ["relax"]}))
    assert task["mode"] == "RELAX"


async def _raw_imagine(app: App, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    response = await app.client.post("/mj/submit/imagine", content=body, headers=headers)
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    return reply


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"],
)
async def test_json_is_read_whatever_the_content_type(
    start_app: StartApp, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    async with start_app() as app:
        reply = await _raw_imagine(app, b'{"prompt": "a cat"}', headers)
    assert reply["code"] == 1


@pytest.mark.parametrize("body", [b"{}", b"null", b""])
async def test_a_get_with_a_json_body_is_accepted(start_app: StartApp, body: bytes) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        response = await app.client.request(
            "GET",
            f"/mj/task/{task_id}/image-seed",
            content=body,
            headers={"content-type": "application/json"},
        )
        fetch = await app.client.request("GET", f"/mj/task/{task_id}/fetch", content=body)
    assert response.status_code == 400  # the task has not finished: a seed does not exist yet
    assert response.json()["code"] == 4
    assert fetch.status_code == 200


async def test_unknown_fields_of_any_type_are_ignored(start_app: StartApp) -> None:
    comfly_style = {
        "prompt": "a cat",
        "instanceId": "",
        "modes": [],
        "remix": True,
        "ar": "16:9",
        "c": 5,
        "s": 250.5,
        "tile": False,
        "seed": None,
        "extra": {"nested": [1, 2]},
        "chooseSameChannel": True,
    }
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", comfly_style)
    assert reply["code"] == 1


async def test_blank_account_filter_fields_match_any_account(start_app: StartApp) -> None:
    blank = {"channelId": "", "instanceId": "", "modes": [], "remark": ""}
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat", "accountFilter": blank})
    assert reply["code"] == 1


@pytest.mark.parametrize("blank", ["", None])
async def test_blank_or_null_urls_count_as_absent(start_app: StartApp, blank: str | None) -> None:
    """Clients send `"notifyHook": ""` (or null) when no hook is set; that is no URL at all."""
    png = data_uri("PNG")
    urls = {"notifyHook": blank}
    async with start_app(**ROOMY) as app:
        imagine = await app.submit("/mj/submit/imagine", {"prompt": "a cat", **urls})
        describe = await app.submit("/mj/submit/describe", {"base64": png, "link": blank, **urls})
        swap = await app.submit(
            "/mj/insight-face/swap",
            {"sourceBase64": png, "targetBase64": png, "sourceUrl": blank, "targetUrl": blank},
        )
    assert [imagine["code"], describe["code"], swap["code"]] == [1, 1, 1]


async def test_prompts_are_trimmed(start_app: StartApp) -> None:
    async with start_app() as app:
        task = await app.fetch(await app.imagine("\n  a cat --ar 1:1 \t "))
    assert task["prompt"] == "a cat --ar 1:1"


async def test_extra_headers_are_accepted(start_app: StartApp) -> None:
    async with start_app() as app:
        response = await app.client.post(
            "/mj/submit/imagine",
            json={"prompt": "a cat"},
            headers={"Mj-Version": "2.5.5", "X-Forwarded-For": "1.2.3.4", "Accept": "*/*"},
        )
    assert response.json()["code"] == 1


async def test_cors_preflight_is_answered_without_a_key(start_app: StartApp) -> None:
    async with start_app(api_secret="k") as app:
        response = await app.client.options(
            "/mj/submit/imagine",
            headers={
                "Origin": "https://ui.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,mj-api-secret,authorization",
            },
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://ui.example")
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("content-type", "mj-api-secret", "authorization"):
        assert header in allowed


async def test_responses_carry_the_allow_origin_header(start_app: StartApp) -> None:
    async with start_app() as app:
        response = await app.client.get("/mj/task/list", headers={"Origin": "https://ui.example"})
    assert response.headers["access-control-allow-origin"] == "*"


async def test_cors_origins_are_configurable(start_app: StartApp) -> None:
    async with start_app(cors_origins=["https://ui.example"]) as app:
        allowed = await app.client.get("/health", headers={"Origin": "https://ui.example"})
        other = await app.client.get("/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
    assert "access-control-allow-origin" not in other.headers
