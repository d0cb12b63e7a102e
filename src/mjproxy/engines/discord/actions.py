"""How each task action is sent to Midjourney: which command or button, with what inputs.

`plan_job` turns a `Job` into a `TrackedTask` (what to listen for) and a `Sender` (the
interaction to post). Images are uploaded first; slash commands look their id and
version up in the command index at send time, so a refresh after a stale-version error
rebuilds the payload with the new version.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mjproxy.domain.custom_ids import ButtonAction, ButtonKind, parse_custom_id
from mjproxy.domain.errors import EngineError, UnknownCustomId
from mjproxy.domain.task import BotType, ImageInput, Task, TaskAction
from mjproxy.engines.base import Job
from mjproxy.engines.discord import formats, interactions
from mjproxy.engines.discord.commands import CommandIndex
from mjproxy.engines.discord.rest import DiscordRest, UploadSlot
from mjproxy.engines.discord.tracking import TrackedTask

Sender = Callable[[str], Awaitable[None]]  # called with the live gateway session id


class Upstream(Protocol):
    """What plans need from the account runtime."""

    rest: DiscordRest
    commands: CommandIndex
    channel_id: str
    guild_id: str | None

    async def upload_images(self, images: Sequence[ImageInput]) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Plan:
    tracked: TrackedTask
    send: Sender


def application_id(bot_type: BotType) -> str:
    try:
        return formats.BOT_APPLICATION_IDS[bot_type]
    except KeyError:
        raise EngineError(f"The Discord engine cannot run {bot_type} tasks.") from None


async def plan_job(up: Upstream, job: Job, nonce: str) -> Plan:
    """What to send for `job` and what to track. Raises `EngineError` when it cannot run."""
    task = job.task
    app_id = application_id(task.bot_type)
    tracked = TrackedTask(
        task_id=task.id,
        action=task.action,
        channel_id=up.channel_id,
        application_id=app_id,
        prompt=task.prompt_en or task.prompt,
        nonces=[nonce],
        modal_prompt=job.modal_prompt,
        submitted_ms=time.time_ns() // 1_000_000,
    )
    if job.button is not None:
        return _button_plan(up, job, job.button, tracked, nonce)
    builder = _COMMAND_PLANS.get(task.action)
    if builder is None:
        raise EngineError(f"The Discord engine has no way to run {task.action} tasks.")
    name, options, attachments = await builder(up, job)
    if name == "imagine":
        tracked.prompt = str(options[0]["value"])
    return Plan(tracked, _command_sender(up, app_id, name, nonce, options, attachments))


def _command_sender(
    up: Upstream,
    app_id: str,
    name: str,
    nonce: str,
    options: list[dict[str, Any]],
    attachments: list[dict[str, Any]],
) -> Sender:
    async def send(session_id: str) -> None:
        command = await up.commands.get(app_id, name)
        payload = interactions.slash_command(
            command=command,
            guild_id=up.guild_id,
            channel_id=up.channel_id,
            session_id=session_id,
            nonce=nonce,
            options=options,
            attachments=attachments,
        )
        await up.rest.interact(payload)

    return send


def _button_plan(
    up: Upstream, job: Job, button: ButtonAction, tracked: TrackedTask, nonce: str
) -> Plan:
    parent = job.parent
    if parent is None or not parent.message_id:
        raise EngineError(
            f"The task's parent has no Discord message to press {button.kind} on; "
            "it may not have finished on this account."
        )
    custom_id = _custom_id_on(parent, button)
    tracked.parent_message_id = parent.message_id
    tracked.index = button.index if button.kind is ButtonKind.UPSCALE else None
    tracked.prompt = parent.final_prompt or parent.prompt_en or parent.prompt
    flags = parent.message_flags or 0
    channel = str(parent.engine_state.get("channel_id") or up.channel_id)
    message_id = parent.message_id

    async def send(session_id: str) -> None:
        payload = interactions.component_click(
            application_id=tracked.application_id,
            guild_id=up.guild_id if channel == up.channel_id else None,
            channel_id=channel,
            message_id=message_id,
            message_flags=flags,
            session_id=session_id,
            nonce=nonce,
            custom_id=custom_id,
        )
        await up.rest.interact(payload)

    return Plan(tracked, send)


def _custom_id_on(parent: Task, button: ButtonAction) -> str:
    """The parent's own id for `button` when it shows one, else the canonical one."""
    for candidate in parent.buttons:
        try:
            if parse_custom_id(candidate.custom_id).same_button(button):
                return candidate.custom_id
        except UnknownCustomId:
            continue
    job_hash = parent.message_hash or button.job_hash or ""
    return button.build(job_hash)


CommandPlan = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]


async def _imagine(up: Upstream, job: Job) -> CommandPlan:
    prompt = (job.prompt or job.task.prompt_en or job.task.prompt).strip()
    images = [i for i in job.images if i.role in ("reference", "video_start", "image")]
    urls = await up.upload_images(images) if images else []
    link = job.options.get("imageUrl")
    if isinstance(link, str) and link:
        urls.insert(0, link)
    if job.task.action is TaskAction.VIDEO:
        prompt = _video_prompt(prompt, job.options)
    full = " ".join([*urls, prompt]).strip()
    return "imagine", [{"type": 3, "name": "prompt", "value": full}], []


def _video_prompt(prompt: str, options: Any) -> str:
    parts = [prompt]
    if "--video" not in prompt:
        parts.append("--video 1")
    motion = options.get("motion")
    if motion in ("low", "high") and "--motion" not in prompt:
        parts.append(f"--motion {motion}")
    return " ".join(p for p in parts if p)


async def _blend(up: Upstream, job: Job) -> CommandPlan:
    if not 2 <= len(job.images) <= 5:
        raise EngineError(f"Blend needs 2 to 5 images, but the task has {len(job.images)}.")
    slots = await _upload_slots(up, job.images)
    options: list[dict[str, Any]] = [
        {"type": 11, "name": f"image{i + 1}", "value": i} for i in range(len(slots))
    ]
    dimensions = str(job.options.get("dimensions") or "SQUARE").upper()
    options.append(
        {
            "type": 3,
            "name": "dimensions",
            "value": formats.BLEND_DIMENSIONS.get(dimensions, "--ar 1:1"),
        }
    )
    return "blend", options, [_attachment(i, s) for i, s in enumerate(slots)]


async def _describe(up: Upstream, job: Job) -> CommandPlan:
    link = job.options.get("link")
    if isinstance(link, str) and link and not job.images:
        return "describe", [{"type": 3, "name": "link", "value": link}], []
    if not job.images:
        raise EngineError("Describe needs an image or a link, but the task has neither.")
    slots = await _upload_slots(up, job.images[:1])
    return "describe", [{"type": 11, "name": "image", "value": 0}], [_attachment(0, slots[0])]


async def _shorten(up: Upstream, job: Job) -> CommandPlan:
    prompt = (job.task.prompt_en or job.task.prompt).strip()
    return "shorten", [{"type": 3, "name": "prompt", "value": prompt}], []


async def _upload_slots(up: Upstream, images: Sequence[ImageInput]) -> list[UploadSlot]:
    files = [(f"image_{i}.{image.extension}", len(image.data)) for i, image in enumerate(images)]
    slots = await up.rest.create_attachments(up.channel_id, files)
    for slot, image in zip(slots, images, strict=True):
        await up.rest.upload(slot, image.data)
    return slots


def _attachment(index: int, slot: UploadSlot) -> dict[str, Any]:
    return {"id": str(index), "filename": slot.filename, "uploaded_filename": slot.upload_filename}


_COMMAND_PLANS: dict[TaskAction, Callable[[Upstream, Job], Awaitable[CommandPlan]]] = {
    TaskAction.IMAGINE: _imagine,
    TaskAction.VIDEO: _imagine,
    TaskAction.BLEND: _blend,
    TaskAction.DESCRIBE: _describe,
    TaskAction.SHORTEN: _shorten,
}


async def upload_to_cdn(up: Upstream, images: Sequence[ImageInput], nonce: str) -> list[str]:
    """Upload `images` and post them as one message; return their CDN URLs in order."""
    slots = await _upload_slots(up, images)
    message = await up.rest.send_message(
        up.channel_id,
        content="",
        nonce=nonce,
        attachments=[_attachment(i, s) for i, s in enumerate(slots)],
    )
    urls = [a.get("url") or a.get("proxy_url") or "" for a in message.get("attachments", [])]
    if len(urls) != len(images) or not all(urls):
        raise EngineError("Discord did not return a CDN link for every uploaded image.")
    return urls
