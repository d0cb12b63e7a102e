"""The Task JSON built by hand (`task_wire`, the fast path of fetch, lists, hooks and streams)
is exactly what the documented `TaskOut` model gives, so the two can never drift apart."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mjproxy.api.schemas import TaskOut, task_json, task_wire
from mjproxy.domain.task import (
    AccountFilter,
    BotType,
    Button,
    Mode,
    Task,
    TaskAction,
    TaskStatus,
)


def _finished() -> Task:
    return Task(
        id="1320098173412546",
        action=TaskAction.IMAGINE,
        submit_time_ms=1_765_000_000_000,
        status=TaskStatus.SUCCESS,
        progress=100,
        prompt="一只猫 a cat --ar 2:3",
        prompt_en="a cat --ar 2:3",
        description="/imagine a cat",
        state="client state",
        bot_type=BotType.NIJI_JOURNEY,
        mode=Mode.RELAX,
        requested_modes=(Mode.RELAX,),
        account_filter=AccountFilter(instance_id="a"),
        notify_hook="https://hooks.example.com/mj",
        account_id="a",
        start_time_ms=1_765_000_000_500,
        finish_time_ms=1_765_000_030_000,
        image_url="https://img.example.com/grid.png",
        image_urls=[f"https://img.example.com/{n}.png" for n in range(4)],
        video_url="https://img.example.com/v.mp4",
        video_urls=["https://img.example.com/v0.mp4"],
        buttons=[
            Button("MJ::JOB::upsample::1::abc", label="U1"),
            Button("MJ::JOB::reroll::0::abc::SOLO", emoji="🔄", type=2, style=2),
        ],
        final_prompt="a cat --ar 2:3 --niji 6",
        final_zh_prompt="一只猫",
        message_id="1300000000000000001",
        message_hash="abc",
        message_flags=64,
        progress_message_id="1300000000000000000",
        nonce="1400000000000000000",
        seed="1234",
        properties={"discordInstanceId": "a", "count": 3, "ratio": 1.5, "flag": True},
        version=9,
    )


def _fresh() -> Task:
    return Task(id="7", action=TaskAction.DESCRIBE, submit_time_ms=1_765_000_000_000)


@pytest.mark.parametrize("task", [_finished(), _fresh()], ids=["finished", "fresh"])
def test_task_wire_is_taskout_exactly(task: Task) -> None:
    wire = task_wire(task)
    # Validating re-types nothing and dumping gives every field back: same keys, same types.
    model = TaskOut.model_validate(wire, strict=True)
    assert model.model_dump(mode="json", by_alias=True) == wire
    assert list(wire) == [field.alias or name for name, field in TaskOut.model_fields.items()]


def test_task_json_is_compact_utf8_of_the_wire_form() -> None:
    task = _finished()
    text = task_json(task)
    assert json.loads(text) == task_wire(task)
    assert ": " not in text
    assert ", " not in text.replace("U1", "")
    assert "一只猫" in text  # not \\u-escaped
    properties: dict[str, Any] = json.loads(text)["properties"]
    assert properties["count"] == "3"
    assert properties["ratio"] == "1.5"
    assert properties["flag"] is True
