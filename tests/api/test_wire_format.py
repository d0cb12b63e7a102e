"""The JSON clients parse: compact, typed exactly, ids as digit strings below 2^53."""

from __future__ import annotations

from typing import Any

from mjproxy.domain.task import TaskStatus
from tests.harness import StartApp

TASK_KEYS = {
    "id", "action", "status", "progress", "prompt", "promptEn", "description", "state",
    "submitTime", "startTime", "finishTime", "imageUrl", "imageUrls", "videoUrl", "videoUrls",
    "failReason", "buttons", "properties", "botType", "mode",
}  # fmt: skip
STRING_KEYS = ("id", "action", "status", "progress", "prompt", "promptEn", "description", "botType")
NULLABLE_STRING_KEYS = ("state", "imageUrl", "videoUrl", "failReason", "mode")
NULLABLE_TIME_KEYS = ("startTime", "finishTime")


def assert_task_types(task: dict[str, Any]) -> None:
    """Every type new-api's Go structs and the web UIs rely on."""
    assert set(task) == TASK_KEYS
    for key in STRING_KEYS:
        assert isinstance(task[key], str), key
    for key in NULLABLE_STRING_KEYS:
        assert task[key] is None or isinstance(task[key], str), key
    assert type(task["submitTime"]) is int
    assert task["submitTime"] > 1_700_000_000_000  # epoch milliseconds, never zero
    for key in NULLABLE_TIME_KEYS:
        assert task[key] is None or type(task[key]) is int, key
    assert task["progress"].endswith("%")
    for key in ("imageUrls", "videoUrls"):
        assert all(set(item) == {"url"} and isinstance(item["url"], str) for item in task[key])
    for button in task["buttons"]:
        assert set(button) == {"customId", "emoji", "label", "type", "style"}
        assert isinstance(button["customId"], str)
        assert isinstance(button["emoji"], str)
        assert isinstance(button["label"], str)
        assert type(button["type"]) is int
        assert type(button["style"]) is int
    assert isinstance(task["properties"], dict)
    for key, value in task["properties"].items():
        assert isinstance(value, str | bool), key
    assert isinstance(task["properties"]["finalPrompt"], str)
    assert isinstance(task["properties"]["finalZhPrompt"], str)


async def test_replies_are_compact_json(start_app: StartApp) -> None:
    async with start_app() as app:
        submit = await app.client.post("/mj/submit/imagine", json={"prompt": "a cat"})
        task_id = submit.json()["result"]
        fetch = await app.client.get(f"/mj/task/{task_id}/fetch")
        invalid = await app.client.post("/mj/submit/imagine", json={})
    for response in (submit, fetch, invalid):
        assert response.headers["content-type"].startswith("application/json")
        assert ": " not in response.text
        assert ", " not in response.text.replace("a cat", "")
    assert '"code":1' in submit.text
    assert '"code":4' in invalid.text


async def test_submit_reply_has_a_string_result_and_an_object_of_properties(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat"})
    assert set(reply) == {"code", "description", "result", "properties"}
    assert reply["code"] == 1
    assert isinstance(reply["result"], str)
    assert reply["properties"]["discordInstanceId"] == "acc-1"


async def test_a_task_is_fetchable_the_moment_submit_returns(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine("a cat")
        task = await app.fetch(task_id)
    assert task["id"] == task_id
    assert task["status"] in ("NOT_START", "SUBMITTED")
    assert task["progress"] == "0%"
    assert_task_types(task)


async def test_task_ids_are_unique_digit_strings_below_2_to_the_53(start_app: StartApp) -> None:
    async with start_app() as app:
        ids = [await app.imagine(f"cat {n}") for n in range(12)]
    assert len(set(ids)) == len(ids)
    for task_id in ids:
        assert task_id.isdigit()
        assert int(task_id) < 2**53


async def test_a_running_task_shows_its_progress_as_percent_text(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.progress(task_id, 31, image_url="https://cdn.example.test/p.webp")
        task = await app.fetch(task_id)
    assert task["status"] == "IN_PROGRESS"
    assert task["progress"] == "31%"
    assert task["imageUrl"] == "https://cdn.example.test/p.webp"
    assert type(task["startTime"]) is int
    assert_task_types(task)


async def test_a_successful_task_has_100_percent_buttons_and_properties(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        task_id, job_hash = await app.finished_imagine("a cat")
        task = await app.fetch(task_id)
    assert task["status"] == "SUCCESS"
    assert task["progress"] == "100%"
    assert type(task["finishTime"]) is int
    assert task["buttons"][0] == {
        "customId": f"MJ::JOB::upsample::1::{job_hash}",
        "emoji": "",
        "label": "U1",
        "type": 2,
        "style": 2,
    }
    assert task["properties"]["messageHash"] == job_hash
    assert task["properties"]["flags"] == "0"
    assert_task_types(task)


async def test_a_failed_task_has_100_percent_and_a_fail_reason(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.fail(task_id, "[Invalid parameter] Invalid value")
        task = await app.fetch(task_id)
    assert task["status"] == "FAILURE"
    assert task["progress"] == "100%"
    assert task["failReason"] == "[Invalid parameter] Invalid value"
    assert_task_types(task)


async def test_state_is_echoed_and_the_mode_and_bot_type_are_shown(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine(
            "a cat", state="order-17", botType="NIJI_JOURNEY", notifyHook="https://hook.test/x"
        )
        task = await app.fetch(task_id)
    assert task["state"] == "order-17"
    assert task["botType"] == "NIJI_JOURNEY"
    assert task["mode"] == "FAST"
    assert task["properties"]["notifyHook"] == "https://hook.test/x"
    assert task["description"] == "/imagine a cat"


async def test_every_state_of_a_task_keeps_the_types(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        seen = [await app.fetch(task_id)]
        await app.engine.next_job()
        await app.wait_status(task_id, TaskStatus.SUBMITTED)
        seen.append(await app.fetch(task_id))
        await app.engine.progress(task_id, 50)
        seen.append(await app.fetch(task_id))
        await app.engine.succeed(task_id)
        seen.append(await app.fetch(task_id))
    assert [task["status"] for task in seen] == [
        seen[0]["status"],
        "SUBMITTED",
        "IN_PROGRESS",
        "SUCCESS",
    ]
    for task in seen:
        assert_task_types(task)
