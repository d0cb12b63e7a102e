"""Submit reply codes and their descriptions, in English and in Chinese."""

from __future__ import annotations

import dataclasses

import pytest

from mjproxy.domain.errors import BannedPrompt, InternalError
from mjproxy.domain.task import BotType
from mjproxy.services.prompts import PassThroughPipeline, PreparedPrompt
from tests.harness import StartApp, account

QUEUE_1_2 = {"scheduler": {"running": 1, "queued": 2}}


class BanningPipeline:
    """Refuses prompts containing 'blood', as the real banned-word pipeline would."""

    async def prepare(
        self, prompt: str, *, bot_type: BotType = BotType.MID_JOURNEY
    ) -> PreparedPrompt:
        if "blood" in prompt:
            raise BannedPrompt("blood", prompt_en=prompt)
        prepared = await PassThroughPipeline().prepare(prompt, bot_type=bot_type)
        return dataclasses.replace(prepared, prompt_en=prompt.upper(), final_zh_prompt="一只猫")


class BrokenPipeline:
    async def prepare(
        self, prompt: str, *, bot_type: BotType = BotType.MID_JOURNEY
    ) -> PreparedPrompt:
        raise InternalError("The translation service is down.")


async def test_code_1_when_a_slot_is_free(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
    assert reply["code"] == 1
    assert reply["description"] == "Submitted"


async def test_code_22_with_the_queue_position_when_every_slot_is_busy(
    start_app: StartApp,
) -> None:
    async with start_app(**QUEUE_1_2) as app:
        first = await app.submit("/mj/submit/imagine", {"prompt": "one"})
        second = await app.submit("/mj/submit/imagine", {"prompt": "two"})
        third = await app.submit("/mj/submit/imagine", {"prompt": "three"})
    assert first["code"] == 1
    assert (second["code"], second["properties"]["numberOfQueues"]) == (22, 0)
    assert (third["code"], third["properties"]["numberOfQueues"]) == (22, 1)
    assert third["description"] == "In queue, 1 task(s) ahead"
    assert isinstance(third["result"], str)


async def test_code_23_when_the_queue_is_full_and_nothing_is_stored(start_app: StartApp) -> None:
    async with start_app(**QUEUE_1_2) as app:
        for prompt in ("one", "two", "three"):
            await app.submit("/mj/submit/imagine", {"prompt": prompt})
        full = await app.submit("/mj/submit/imagine", {"prompt": "four"})
        _, total = await app.services.queries.recent(limit=1, offset=0)
    assert full["code"] == 23
    assert full["result"] is None
    assert total == 3


async def test_queued_tasks_start_in_submit_order_as_slots_free_up(start_app: StartApp) -> None:
    async with start_app(**QUEUE_1_2) as app:
        ids = [await app.imagine(prompt) for prompt in ("one", "two", "three")]
        started = [(await app.engine.next_job()).task.id]
        for task_id in ids[:2]:
            await app.engine.succeed(task_id)
            started.append((await app.engine.next_job()).task.id)
    assert started == ids


async def test_code_3_when_no_account_exists(start_app: StartApp) -> None:
    async with start_app(accounts=[]) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
    assert reply["code"] == 3
    assert reply["result"] is None


async def test_code_3_when_the_account_has_no_engine_in_this_server(start_app: StartApp) -> None:
    async with start_app(accounts=[account(engine="discord")]) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
        listed = (await app.client.get("/mj/account/list")).json()
    assert reply["code"] == 3
    assert listed[0]["state"] == "disabled"
    assert "discord" in listed[0]["stateReason"]


async def test_code_24_carries_the_banned_word_and_stores_nothing(start_app: StartApp) -> None:
    async with start_app(create={"pipeline": BanningPipeline()}) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat in blood"})
        _, total = await app.services.queries.recent(limit=1, offset=0)
    assert reply["code"] == 24
    assert reply["properties"] == {"bannedWord": "blood", "promptEn": "a cat in blood"}
    assert total == 0


async def test_the_pipeline_output_becomes_prompt_en(start_app: StartApp) -> None:
    async with start_app(create={"pipeline": BanningPipeline()}) as app:
        task = await app.fetch(await app.imagine("a cat"))
    assert (task["prompt"], task["promptEn"]) == ("a cat", "A CAT")
    assert task["properties"]["finalZhPrompt"] == "一只猫"


async def test_code_9_when_something_inside_fails(start_app: StartApp) -> None:
    async with start_app(create={"pipeline": BrokenPipeline()}) as app:
        response = await app.client.post("/mj/submit/imagine", json={"prompt": "a cat"})
    assert response.status_code == 200
    assert response.json()["code"] == 9
    assert "translation service is down" in response.json()["description"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "prompt is required."), ("zh", "prompt不能为空")],
)
async def test_code_4_description_in_each_language(
    start_app: StartApp, language: str, expected: str
) -> None:
    async with start_app(language=language) as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "   "})
    assert reply == {"code": 4, "description": expected, "result": None, "properties": {}}


async def test_chinese_descriptions_use_the_original_wording(start_app: StartApp) -> None:
    async with start_app(language="zh", **QUEUE_1_2) as app:
        replies = [await app.submit("/mj/submit/imagine", {"prompt": f"p{n}"}) for n in range(4)]
    descriptions = [reply["description"] for reply in replies]
    assert descriptions[0] == "提交成功"
    assert descriptions[1] == "排队中，前面还有0个任务"
    assert descriptions[3].startswith("队列已满，请稍后尝试")


async def test_chinese_no_account_and_banned_descriptions(start_app: StartApp) -> None:
    # First on the empty database: accounts stay in it once the config file put them there.
    async with start_app(language="zh", accounts=[]) as app:
        no_account = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
    async with start_app(language="zh", create={"pipeline": BanningPipeline()}) as app:
        banned = await app.submit("/mj/submit/imagine", {"prompt": "blood"})
    assert banned["description"].startswith("可能包含敏感词")
    assert no_account["description"].startswith("无可用的账号实例")
