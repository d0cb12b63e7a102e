"""Reply bodies exactly as clients parse them (clients.md §5, DESIGN.md §4).

Typing is part of the contract: new-api decodes a poll batch with Go's strict JSON types, so
one number where a string belongs makes it drop the whole batch. Strings stay strings (or
null), times are integer epoch milliseconds, `progress` is "NN%", `buttons` have string
`emoji`/`label` and integer `type`/`style`, and every `properties` value is a string except
the documented booleans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import to_json

from mjproxy.clock import system_clock_ms
from mjproxy.domain.account import Account
from mjproxy.domain.deliveries import Delivery, DeliveryStatus
from mjproxy.domain.task import Mode, Task
from mjproxy.services.delivery_log import redact_url
from mjproxy.services.placement import utc_day


class _Reply(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class SubmitReply(_Reply):
    """Every submit-style answer: `result` is the task id as a string (null on errors)."""

    code: int = Field(examples=[1])
    description: str = Field(examples=["Submitted"])
    result: str | None = Field(None, examples=["1320098173412546"])
    properties: dict[str, Any] = Field(default_factory=dict)


class UploadReply(_Reply):
    """`/submit/upload-discord-images`: `result` lists one URL per uploaded image."""

    code: int = Field(examples=[1])
    description: str
    result: list[str] | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class ButtonOut(_Reply):
    custom_id: str
    emoji: str
    label: str
    type: int
    style: int


class UrlOut(_Reply):
    url: str


class TaskOut(_Reply):
    """The Task JSON of fetch, list-by-condition, list and queue."""

    id: str = Field(examples=["1320098173412546"])
    action: str = Field(examples=["IMAGINE"])
    status: str = Field(examples=["SUCCESS"])
    progress: str = Field(examples=["100%"])
    prompt: str
    prompt_en: str
    description: str
    state: str | None
    submit_time: int
    start_time: int | None
    finish_time: int | None
    image_url: str | None
    image_urls: list[UrlOut]
    video_url: str | None
    video_urls: list[UrlOut]
    fail_reason: str | None
    buttons: list[ButtonOut]
    properties: dict[str, Any]
    bot_type: str
    mode: str | None


def task_wire(task: Task) -> dict[str, Any]:
    """The Task JSON as plain data, key for key and type for type what `TaskOut` documents.

    Built without pydantic models on purpose: fetch and list-by-condition answer with it,
    and constructing fifteen validated models per task (the task, its URLs, its buttons)
    was most of their cost. A test holds this and `TaskOut` together.
    """
    return {
        "id": task.id,
        "action": task.action.value,
        "status": task.status.value,
        "progress": task.progress_text,
        "prompt": task.prompt,
        "promptEn": task.prompt_en,
        "description": task.description,
        "state": task.state,
        "submitTime": task.submit_time_ms,
        "startTime": task.start_time_ms,
        "finishTime": task.finish_time_ms,
        "imageUrl": task.image_url,
        "imageUrls": [{"url": url} for url in task.image_urls],
        "videoUrl": task.video_url,
        "videoUrls": [{"url": url} for url in task.video_urls],
        "failReason": task.fail_reason,
        "buttons": [
            {
                "customId": b.custom_id,
                "emoji": str(b.emoji),
                "label": str(b.label),
                "type": int(b.type),
                "style": int(b.style),
            }
            for b in task.buttons
        ],
        "properties": task_properties(task),
        "botType": task.bot_type.value,
        "mode": task.mode.value if task.mode else None,
    }


def task_json(task: Task) -> str:
    """The task exactly as the fetch route's body: webhooks and live streams send this."""
    return _dumps(task_wire(task))


def tasks_response(tasks: Iterable[Task], *, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON array of tasks, serialised once, as list-by-condition, list and queue answer."""
    body = _dumps([task_wire(task) for task in tasks])
    return Response(body, media_type="application/json", headers=headers)


def task_response(task: Task) -> Response:
    return Response(task_json(task), media_type="application/json")


def _dumps(data: Any) -> str:
    # Compact UTF-8 like FastAPI's JSONResponse (so like every other reply), from pydantic's
    # Rust serialiser: several times faster than `json.dumps` for a 100-task list.
    return to_json(data).decode("utf-8")


def task_properties(task: Task) -> dict[str, Any]:
    """Engine-set extras first, then the correlation facts clients know by name."""
    properties = {key: _wire_value(value) for key, value in task.properties.items()}
    named = {
        "messageId": task.message_id,
        "messageHash": task.message_hash,
        "progressMessageId": task.progress_message_id,
        "nonce": task.nonce,
        "flags": None if task.message_flags is None else str(task.message_flags),
        "notifyHook": task.notify_hook,
    }
    properties.update({key: value for key, value in named.items() if value is not None})
    properties["finalPrompt"] = task.final_prompt or ""
    properties["finalZhPrompt"] = task.final_zh_prompt or ""
    return {key: value for key, value in properties.items() if value is not None}


def _wire_value(value: Any) -> Any:
    # Numbers become strings: Go clients declare every known property as a string.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


class ModeLoad(_Reply):
    running: int
    queued: int


class AccountOut(_Reply):
    """An account as `/mj/account/list` shows it. There is no token field, by design.

    `limits` are the running and queued limits per mode; `load` the tasks running on it
    and the waiting tasks it could take, per mode; `facts` what Midjourney said (`/info`,
    `/settings`). `coreSize`/`queueSize` are the FAST limits, for older clients.
    """

    id: str
    engine: str
    channel_id: str
    guild_id: str
    enable: bool
    state: str
    state_reason: str
    state_since: int
    bots: list[str]
    modes: list[str]
    remix: bool
    remix_auto_submit: bool
    auto_relax: bool
    weight: int
    remark: str
    sandbox: bool
    core_size: int
    queue_size: int
    timeout_minutes: int
    daily_limit: int | None
    jobs_today: int
    pause_min_s: float
    pause_max_s: float
    limits: dict[str, ModeLoad]
    load: dict[str, ModeLoad]
    facts: dict[str, Any]


class AdminAccountOut(AccountOut):
    """What operators see besides: the user agent, whether a token is set, when it was added.
    The token itself is write-only."""

    user_agent: str
    has_token: bool
    created_at: int


def _account_fields(account: Account, counts: dict[Mode, tuple[int, int]]) -> dict[str, Any]:
    fast = account.limits_for(Mode.FAST)
    facts = account.facts
    return {
        "id": account.id,
        "engine": account.engine,
        "channel_id": account.channel_id,
        "guild_id": account.guild_id,
        "enable": account.enabled,
        "state": account.state.value,
        "state_reason": account.state_reason,
        "state_since": account.state_since_ms,
        "bots": sorted(bot.value for bot in account.bots),
        "modes": [mode.value for mode in Mode if mode in account.modes],
        "remix": account.remix,
        "remix_auto_submit": account.remix_auto_submit,
        "auto_relax": account.auto_relax,
        "weight": account.weight,
        "remark": account.remark,
        "sandbox": account.sandbox,
        "core_size": fast.running,
        "queue_size": fast.queued,
        "timeout_minutes": max(1, round(account.timeout_s / 60)),
        "daily_limit": account.daily_limit,
        "jobs_today": account.jobs_on(utc_day(system_clock_ms())),
        "pause_min_s": account.submit_pause_s[0],
        "pause_max_s": account.submit_pause_s[1],
        "limits": {
            mode.value: ModeLoad(
                running=account.limits_for(mode).running, queued=account.limits_for(mode).queued
            )
            for mode in Mode
        },
        "load": {
            mode.value: ModeLoad(running=running, queued=queued)
            for mode, (running, queued) in counts.items()
        },
        "facts": {
            "subscription": facts.subscription,
            "jobMode": facts.job_mode,
            "fastTimeRemainingHours": facts.fast_time_remaining_h,
            "relaxedUsage": facts.relaxed_usage,
            "lifetimeUsage": facts.lifetime_usage,
            "remix": facts.remix,
            "version": facts.version,
            "fastExhausted": facts.fast_exhausted,
            "updatedAt": facts.updated_ms,
        },
    }


def account_out(account: Account, counts: dict[Mode, tuple[int, int]]) -> AccountOut:
    return AccountOut(**_account_fields(account, counts))


def admin_account_out(account: Account, counts: dict[Mode, tuple[int, int]]) -> AdminAccountOut:
    return AdminAccountOut(
        **_account_fields(account, counts),
        user_agent=account.user_agent,
        has_token=bool(account.user_token),
        created_at=account.created_ms,
    )


class DeliveryOut(_Reply):
    """One webhook delivery in the admin log. Times are epoch milliseconds."""

    id: str
    task_id: str
    task_version: int
    target: str = Field(description="The hook's scheme, host and port (path and query hidden)")
    status: str = Field(examples=["delivered"])
    attempts: int
    created_at: int
    next_attempt_at: int | None
    last_attempt_at: int | None
    last_status_code: int | None
    last_error: str | None
    finished_at: int | None
    topic: str | None = Field(None, description="`account:<id>` for an account alert")


class DeliveryAttemptOut(_Reply):
    number: int
    started_at: int
    duration_ms: int
    status_code: int | None
    error: str | None


class DeliveryDetailOut(DeliveryOut):
    payload: str = Field(description="The exact body sent (the task JSON)")
    attempt_log: list[DeliveryAttemptOut]


def delivery_out(delivery: Delivery) -> DeliveryOut:
    pending = delivery.status is DeliveryStatus.PENDING
    return DeliveryOut(
        id=str(delivery.id),
        task_id=delivery.task_id,
        task_version=delivery.task_version,
        target=redact_url(delivery.url),
        status=delivery.status.value,
        attempts=delivery.attempts,
        created_at=delivery.created_ms,
        next_attempt_at=delivery.next_attempt_ms if pending else None,
        last_attempt_at=delivery.last_attempt_ms,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        finished_at=delivery.finished_ms,
        topic=delivery.topic,
    )
