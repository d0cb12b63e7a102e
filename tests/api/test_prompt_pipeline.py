"""The prompt pipeline in the running app: code 24 / 4 / 9, translation, nothing queued."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.api.test_actions import upscaled
from tests.harness import App, StartApp
from tests.unit.services.translation.provider_server import (
    ProviderServer,
    ReceivedRequest,
    serve_provider,
)

DEEPL_KEY = "0f1e2d3c-test-key:fx"
TRANSLATIONS = {
    "一只猫": "a cat",
    "红色": "red",
    "没穿衣服的人": "a naked person",
    "一只狗": "a dog",
}


@pytest.fixture
async def deepl() -> AsyncIterator[ProviderServer]:
    async def respond(request: ReceivedRequest) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {DEEPL_KEY}":
            return web.json_response({"message": "Forbidden"}, status=403)
        texts = json.loads(request.body)["text"]
        return web.json_response({"translations": [{"text": TRANSLATIONS[t]} for t in texts]})

    async with serve_provider() as server:
        server.respond = respond
        yield server


def with_deepl(server: ProviderServer, **translation: Any) -> dict[str, Any]:
    deepl = {"auth_key": DEEPL_KEY, "base_url": server.base_url, "timeout_s": 5}
    return {"translation": {"provider": "deepl", "deepl": deepl, **translation}}


async def stored_count(app: App) -> int:
    _, total = await app.services.store.list_recent(limit=1)
    return total


async def test_a_banned_word_answers_24_and_stores_nothing(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a NUDE statue --ar 2:3"})
        assert await stored_count(app) == 0
        assert app.engine.started.empty()
    assert reply["code"] == 24
    assert reply["result"] is None
    assert reply["properties"] == {"bannedWord": "nude", "promptEn": "a NUDE statue --ar 2:3"}


async def test_a_traditional_chinese_banned_word_is_caught(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "血腥的戰場"})
    assert (reply["code"], reply["properties"]["bannedWord"]) == (24, "血腥")


async def test_shorten_is_checked_too(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/shorten", {"prompt": "a gory battlefield"})
    assert (reply["code"], reply["properties"]["bannedWord"]) == (24, "gory")


async def test_a_parameter_error_answers_4_and_stores_nothing(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/imagine", {"prompt": "a cat --cref https://e.com/a.png --v 7"}
        )
        assert await stored_count(app) == 0
    assert reply["code"] == 4
    assert reply["description"] == (
        "--cref is not available on V7; it works on V6, V6.1 or niji 6."
    )


async def test_a_valid_prompt_is_accepted_with_its_speed_flag_as_mode(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        task_id = await app.imagine("a cat --ar 16:9 --v 7 --relax")
        job = await app.engine.next_job()
        task = await app.fetch(task_id)
    assert job.task.prompt_en == "a cat --ar 16:9 --v 7 --relax"
    assert task["mode"] == "RELAX"


async def test_chinese_is_translated_into_prompt_en(
    start_app: StartApp, deepl: ProviderServer
) -> None:
    async with start_app(prompts=with_deepl(deepl)) as app:
        task_id = await app.imagine("一只猫 --no 红色 --ar 16:9")
        job = await app.engine.next_job()
        task = await app.fetch(task_id)
    assert task["prompt"] == "一只猫 --no 红色 --ar 16:9"
    assert task["promptEn"] == "a cat --no red --ar 16:9"
    assert task["properties"]["finalZhPrompt"] == "一只猫 --no 红色 --ar 16:9"
    assert job.task.prompt_en == "a cat --no red --ar 16:9"
    assert [json.loads(r.body)["text"] for r in deepl.requests] == [["一只猫"], ["红色"]]


async def test_a_banned_word_in_the_translation_answers_24_with_the_english(
    start_app: StartApp, deepl: ProviderServer
) -> None:
    async with start_app(prompts=with_deepl(deepl)) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "没穿衣服的人 --v 7"})
        assert await stored_count(app) == 0
    assert reply["code"] == 24
    assert reply["properties"] == {"bannedWord": "naked", "promptEn": "a naked person --v 7"}


async def test_a_failing_translator_answers_9_and_stores_nothing(
    start_app: StartApp, deepl: ProviderServer
) -> None:
    async def broken(_: ReceivedRequest) -> web.StreamResponse:
        return web.json_response({"message": "Internal error"}, status=500)

    deepl.respond = broken
    async with start_app(prompts=with_deepl(deepl)) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "一只猫"})
        assert await stored_count(app) == 0
    assert reply["code"] == 9
    assert "deepl failed: it answered HTTP 500" in reply["description"]
    assert DEEPL_KEY not in json.dumps(reply)


async def test_passthrough_submits_the_untranslated_prompt(
    start_app: StartApp, deepl: ProviderServer
) -> None:
    async def broken(_: ReceivedRequest) -> web.StreamResponse:
        return web.json_response({}, status=502)

    deepl.respond = broken
    async with start_app(prompts=with_deepl(deepl, on_failure="passthrough")) as app:
        task_id = await app.imagine("一只猫")
        task = await app.fetch(task_id)
    assert task["promptEn"] == "一只猫"
    assert task["properties"]["translationFailed"] is True


async def test_strip_mode_submits_without_the_words(start_app: StartApp) -> None:
    async with start_app(prompts={"banned_words": {"action": "strip"}}) as app:
        task_id = await app.imagine("a nude statue in a garden")
        task = await app.fetch(task_id)
    assert task["promptEn"] == "a statue in a garden"
    assert task["properties"]["removedBannedWords"] == "nude"


async def test_the_modal_prompt_is_checked_and_translated(
    start_app: StartApp, deepl: ProviderServer
) -> None:
    async with start_app(prompts=with_deepl(deepl)) as app:
        parent_id, job_hash = await upscaled(app)
        modal_id = (
            await app.submit(
                "/mj/submit/action",
                {"taskId": parent_id, "customId": f"MJ::CustomZoom::{job_hash}"},
            )
        )["result"]
        banned = await app.submit(
            "/mj/submit/modal", {"taskId": modal_id, "prompt": "a nude dog --zoom 1.5"}
        )
        invalid = await app.submit(
            "/mj/submit/modal", {"taskId": modal_id, "prompt": "a dog --zoom 3"}
        )
        reply = await app.submit(
            "/mj/submit/modal", {"taskId": modal_id, "prompt": "一只狗 --zoom 1.5"}
        )
        job = await app.engine.next_job()
        task = await app.fetch(modal_id)
    assert (banned["code"], banned["properties"]["bannedWord"]) == (24, "nude")
    assert invalid["code"] == 4
    assert "--zoom takes a number from 1 to 2" in invalid["description"]
    assert reply["code"] == 1
    assert job.modal_prompt == "a dog --zoom 1.5 --fast"
    assert task["properties"]["finalZhPrompt"] == "一只狗 --zoom 1.5"


async def test_checks_can_be_switched_off(start_app: StartApp) -> None:
    settings = {"checks": {"enabled": False}, "banned_words": {"enabled": False}}
    async with start_app(prompts=settings) as app:
        task_id = await app.imagine("a nude statue --foo 1")
        task = await app.fetch(task_id)
    assert task["promptEn"] == "a nude statue --foo 1"
