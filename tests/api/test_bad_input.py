# ruff: noqa: E501  (the case table reads best one case per line)
"""Bad input gets a clear code-4 sentence, HTTP 200 on submit routes, and stores nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.harness import App, StartApp
from tests.images import data_uri, image_bytes

PNG = data_uri("PNG")
BMP = "data:image/bmp;base64," + base64.b64encode(image_bytes("BMP")).decode()
TEXT_AS_IMAGE = "data:image/png;base64," + base64.b64encode(b"hello, not an image").decode()
SIX_MB = "data:image/png;base64," + "A" * 8_000_000

CASES: list[tuple[str, Any, str]] = [
    ("/submit/imagine", {}, "prompt is required"),
    ("/submit/imagine", {"prompt": " \n "}, "prompt is required"),
    ("/submit/imagine", {"prompt": 5}, "prompt: Input should be a valid string"),
    ("/submit/imagine", {"prompt": "x" * 9000}, "prompt is 9000 characters long"),
    ("/submit/imagine", {"prompt": "a", "base64Array": ["%%%"]}, "base64Array[0] is not valid base64"),
    ("/submit/imagine", {"prompt": "a", "base64Array": [TEXT_AS_IMAGE]}, "base64Array[0] is not an image"),
    ("/submit/imagine", {"prompt": "a", "base64Array": [BMP]}, "base64Array[0] is a BMP image; expected PNG, JPEG, WebP or GIF"),
    ("/submit/imagine", {"prompt": "a", "base64Array": [SIX_MB]}, "larger than the 4.0 MB limit"),
    ("/submit/imagine", {"prompt": "a", "base64Array": [PNG] * 6}, "holds 6 images; at most 5"),
    ("/submit/imagine", {"prompt": "a", "base64Array": "abc"}, "base64Array: Input should be a valid list"),
    ("/submit/imagine", {"prompt": "a", "base64": "data:image/png,abc"}, "data URI without base64 data"),
    ("/submit/imagine", {"prompt": "a", "botType": "DALLE"}, "botType: Input should be"),
    ("/submit/imagine", {"prompt": "a", "notifyHook": "ftp://h"}, "notifyHook: Value error, must be an http"),
    ("/submit/imagine", {"prompt": "a", "state": 12}, "state: Input should be a valid string"),
    ("/submit/imagine", {"prompt": "a", "accountFilter": {"modes": ["SLOW"]}}, "accountFilter.modes[0]: Input should be"),
    ("/submit/imagine", {"prompt": "a\u0000b"}, "NUL character"),
    ("/submit/imagine", ["a cat"], "must be a JSON object"),
    ("/submit/imagine", "a cat", "must be a JSON object"),
    ("/submit/blend", {"base64Array": [PNG]}, "base64Array holds 1 images; 2 to 5 are accepted"),
    ("/submit/blend", {"base64Array": [PNG] * 6}, "base64Array holds 6 images; 2 to 5 are accepted"),
    ("/submit/blend", {"base64Array": [PNG, PNG], "dimensions": "WIDE"}, "dimensions must be PORTRAIT, SQUARE or LANDSCAPE, but got 'WIDE'"),
    ("/submit/describe", {}, "base64 is required"),
    ("/submit/describe", {"link": "not a url"}, "link: Value error, must be an http"),
    ("/submit/shorten", {"prompt": ""}, "prompt is required"),
    ("/submit/action", {"customId": "MJ::JOB::upsample::1::h"}, "taskId is required"),
    ("/submit/action", {"taskId": "1"}, "customId is required"),
    ("/submit/action", {"taskId": "1", "customId": "MJ::JOB::dance::1::h"}, "'MJ::JOB::dance::1::h', which names no known action"),
    ("/submit/action", {"taskId": "1", "customId": "x" * 300}, "customId: String should have at most 255 characters"),
    ("/submit/change", {"action": "UPSCALE", "index": 1}, "taskId is required"),
    ("/submit/change", {"taskId": "1", "action": "ZOOM", "index": 1}, "action must be UPSCALE, VARIATION or REROLL"),
    ("/submit/change", {"taskId": "1", "action": "UPSCALE", "index": 7}, "index must be 1, 2, 3 or 4, but got 7"),
    ("/submit/change", {"taskId": "1", "action": "VARIATION"}, "index is required"),
    ("/submit/change", {"taskId": "1", "action": "UPSCALE", "index": "two"}, "index: Input should be a valid integer"),
    ("/submit/simple-change", {"content": "1234"}, "content must look like '<taskId> U1'"),
    ("/submit/simple-change", {"content": "1234 U5"}, "content must look like '<taskId> U1'"),
    ("/submit/modal", {"prompt": "a"}, "taskId is required"),
    ("/submit/upload-discord-images", {"base64Array": []}, "base64Array holds 0 images; 1 to 10 are accepted"),
    ("/submit/video", {"prompt": "spin"}, "image is required"),
    ("/submit/video", {"image": "https://i.test/a.png", "motion": "fast"}, "motion must be 'low' or 'high'"),
    ("/submit/video", {"image": "https://i.test/a.png", "batchSize": 3}, "batchSize must be 1, 2 or 4"),
    ("/submit/edits", {"prompt": "blue"}, "image is required"),
    ("/submit/edits", {"prompt": "blue", "image": PNG, "maskBase64": "https://i.test/m.png"}, "maskBase64 is not valid base64"),
    ("/insight-face/swap", {"sourceBase64": PNG}, "targetBase64 is required"),
]  # fmt: skip


async def _nothing_stored(app: App) -> None:
    tasks, total = await app.services.queries.recent(limit=5, offset=0)
    assert total == 0, tasks
    assert app.engine.started.empty()
    assert app.engine.uploaded == []


@pytest.mark.parametrize(("path", "body", "expected"), CASES)
async def test_bad_input_is_code_4_with_a_clear_sentence(
    start_app: StartApp, path: str, body: Any, expected: str
) -> None:
    async with start_app() as app:
        response = await app.client.post(f"/mj{path}", json=body)
        await _nothing_stored(app)
    assert response.status_code == 200
    reply = response.json()
    assert reply["code"] == 4
    assert expected in reply["description"]
    assert reply["result"] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{bad json", "The request body is not valid JSON"),
        (b'{"prompt": "a cat"', "The request body is not valid JSON"),
        (b"\xff\xfe\x00garbage", "The request body is not valid JSON"),
        (b'{"prompt": "\xff\xc0"}', "The request body is not valid JSON: it is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "The request body is not valid JSON"),
    ],
)
async def test_unreadable_bodies_are_code_4(start_app: StartApp, raw: bytes, expected: str) -> None:
    async with start_app() as app:
        response = await app.client.post("/mj/submit/imagine", content=raw)
        await _nothing_stored(app)
    assert response.status_code == 200
    assert response.json()["code"] == 4
    assert expected in response.json()["description"]


async def test_the_image_size_limit_is_configurable(start_app: StartApp) -> None:
    async with start_app(images={"max_bytes": 2048}) as app:
        big = data_uri("PNG", size=(64, 64), noise=True)
        small = data_uri("PNG", size=(4, 4))
        refused = await app.submit("/mj/submit/imagine", {"prompt": "a", "base64Array": [big]})
        accepted = await app.submit("/mj/submit/imagine", {"prompt": "a", "base64Array": [small]})
    assert refused["code"] == 4
    assert "larger than the 2 KB limit" in refused["description"]
    assert accepted["code"] == 1


async def test_an_oversized_body_is_refused_before_it_is_read_whole(start_app: StartApp) -> None:
    async with start_app(images={"max_bytes": 1024, "max_reference_images": 1}) as app:
        response = await app.client.post(
            "/mj/submit/imagine", content=b'{"prompt": "' + b"a" * 3_000_000 + b'"}'
        )
        await _nothing_stored(app)
    assert response.status_code == 413
    assert response.json()["code"] == 4


@pytest.mark.parametrize(
    "body",
    [{"ids": "123"}, {"ids": [True]}, {"ids": [1.5]}, {"ids": [{"id": 1}]}, [1, 2]],
)
async def test_query_routes_answer_400_for_malformed_bodies(start_app: StartApp, body: Any) -> None:
    async with start_app() as app:
        response = await app.client.post("/mj/task/list-by-condition", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == 4


@pytest.mark.parametrize(
    ("query", "expected"), [("limit=0", "limit"), ("limit=x", "limit"), ("status=DONE", "status")]
)
async def test_bad_list_parameters_are_400(start_app: StartApp, query: str, expected: str) -> None:
    async with start_app() as app:
        response = await app.client.get(f"/mj/task/list?{query}")
    assert response.status_code == 400
    assert response.json()["description"].startswith(expected)


async def test_an_unknown_path_is_a_json_404(start_app: StartApp) -> None:
    async with start_app() as app:
        response = await app.client.post("/mj/submit/paint", json={})
    assert response.status_code == 404
    assert response.json()["code"] == 4
    assert "/docs" in response.json()["description"]


@pytest.mark.parametrize("path", ["/mj/task/list", "/mj/admin/webhooks/deliveries"])
async def test_an_offset_past_any_table_is_400_not_a_database_overflow(
    start_app: StartApp, path: str
) -> None:
    async with start_app(admin_secret="admin-key") as app:
        response = await app.client.get(
            path, params={"offset": str(2**64)}, headers={"mj-api-secret": "admin-key"}
        )
    assert response.status_code == 400
    assert response.json()["description"].startswith("offset: Input should be less than")
