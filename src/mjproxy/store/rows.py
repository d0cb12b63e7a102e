"""Conversion between domain tasks and rows of the `tasks` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mjproxy.domain.task import (
    AccountFilter,
    BotType,
    Button,
    Mode,
    Task,
    TaskAction,
    TaskStatus,
)


def task_to_row(task: Task) -> dict[str, Any]:
    return {
        "id": int(task.id),
        "action": task.action.value,
        "status": task.status.value,
        "progress": task.progress,
        "prompt": task.prompt,
        "prompt_en": task.prompt_en,
        "description": task.description,
        "state": task.state,
        "bot_type": task.bot_type.value,
        "mode": task.mode.value if task.mode else None,
        "requested_modes": [mode.value for mode in task.requested_modes],
        "account_filter": _filter_to_json(task.account_filter),
        "notify_hook": task.notify_hook,
        "owner": task.owner,
        "parent_id": int(task.parent_id) if task.parent_id else None,
        "custom_id": task.custom_id,
        "account_id": task.account_id,
        "submit_time_ms": task.submit_time_ms,
        "start_time_ms": task.start_time_ms,
        "finish_time_ms": task.finish_time_ms,
        "image_url": task.image_url,
        "image_urls": list(task.image_urls),
        "video_url": task.video_url,
        "video_urls": list(task.video_urls),
        "fail_reason": task.fail_reason,
        "buttons": [_button_to_json(button) for button in task.buttons],
        "final_prompt": task.final_prompt,
        "final_zh_prompt": task.final_zh_prompt,
        "message_id": task.message_id,
        "message_hash": task.message_hash,
        "message_flags": task.message_flags,
        "progress_message_id": task.progress_message_id,
        "nonce": task.nonce,
        "seed": task.seed,
        "properties": dict(task.properties),
        "engine_state": dict(task.engine_state),
        "version": task.version,
    }


def row_to_task(row: Mapping[Any, Any]) -> Task:
    return Task(
        id=str(row["id"]),
        action=TaskAction(row["action"]),
        status=TaskStatus(row["status"]),
        progress=row["progress"],
        prompt=row["prompt"],
        prompt_en=row["prompt_en"],
        description=row["description"],
        state=row["state"],
        bot_type=BotType(row["bot_type"]),
        mode=Mode(row["mode"]) if row["mode"] else None,
        requested_modes=tuple(Mode(mode) for mode in row["requested_modes"]),
        account_filter=_filter_from_json(row["account_filter"]),
        notify_hook=row["notify_hook"],
        owner=row["owner"],
        parent_id=str(row["parent_id"]) if row["parent_id"] is not None else None,
        custom_id=row["custom_id"],
        account_id=row["account_id"],
        submit_time_ms=row["submit_time_ms"],
        start_time_ms=row["start_time_ms"],
        finish_time_ms=row["finish_time_ms"],
        image_url=row["image_url"],
        image_urls=list(row["image_urls"]),
        video_url=row["video_url"],
        video_urls=list(row["video_urls"]),
        fail_reason=row["fail_reason"],
        buttons=[_button_from_json(item) for item in row["buttons"]],
        final_prompt=row["final_prompt"],
        final_zh_prompt=row["final_zh_prompt"],
        message_id=row["message_id"],
        message_hash=row["message_hash"],
        message_flags=row["message_flags"],
        progress_message_id=row["progress_message_id"],
        nonce=row["nonce"],
        seed=row["seed"],
        properties=dict(row["properties"]),
        engine_state=dict(row["engine_state"]),
        version=row["version"],
    )


def _button_to_json(button: Button) -> dict[str, Any]:
    return {
        "customId": button.custom_id,
        "emoji": button.emoji,
        "label": button.label,
        "type": button.type,
        "style": button.style,
    }


def _button_from_json(item: Mapping[str, Any]) -> Button:
    return Button(
        custom_id=item["customId"],
        emoji=item.get("emoji", ""),
        label=item.get("label", ""),
        type=item.get("type", 2),
        style=item.get("style", 2),
    )


def _filter_to_json(account_filter: AccountFilter | None) -> dict[str, Any] | None:
    if account_filter is None:
        return None
    return {
        "instanceId": account_filter.instance_id,
        "channelId": account_filter.channel_id,
        "modes": [mode.value for mode in account_filter.modes],
        "remark": account_filter.remark,
        "remix": account_filter.remix,
        "remixAutoConsidered": account_filter.remix_auto_considered,
    }


def _filter_from_json(data: Mapping[str, Any] | None) -> AccountFilter | None:
    if data is None:
        return None
    return AccountFilter(
        instance_id=data.get("instanceId"),
        channel_id=data.get("channelId"),
        modes=tuple(Mode(mode) for mode in data.get("modes", ())),
        remark=data.get("remark"),
        remix=data.get("remix"),
        remix_auto_considered=data.get("remixAutoConsidered"),
    )
