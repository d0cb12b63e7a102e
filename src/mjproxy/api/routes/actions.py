"""Follow-ups on finished tasks: button actions, U/V/R changes, and modal confirmations."""

from __future__ import annotations

import re

from fastapi import APIRouter

from mjproxy.api import intake
from mjproxy.api.deps import Msgs, ServicesDep, Speed, Tasks
from mjproxy.api.replies import accepted_reply
from mjproxy.api.requests import ActionIn, ChangeIn, ModalIn, SimpleChangeIn
from mjproxy.api.schemas import SubmitReply
from mjproxy.domain.custom_ids import ButtonKind
from mjproxy.domain.errors import InvalidField, MissingField
from mjproxy.media.images import ImageLimits
from mjproxy.services.actions import build_change_id
from mjproxy.services.submissions import ActionRequest, ModalRequest

router = APIRouter(tags=["submit"])

_CHANGE_KINDS = {
    "UPSCALE": ButtonKind.UPSCALE,
    "VARIATION": ButtonKind.VARIATION,
    "REROLL": ButtonKind.REROLL,
}
_SIMPLE_CHANGE = re.compile(r"^(?P<task>\S+)\s+(?P<op>[UV][1-4]|R)$", re.IGNORECASE)


@router.post("/submit/action", summary="Press a button of a finished task")
async def action(body: ActionIn, tasks: Tasks, speed: Speed, messages: Msgs) -> SubmitReply:
    """`customId` is one of the task's `buttons`; ids with another hash work too (the
    action and index come from the id, the real hash from the task). Actions that open a
    Midjourney modal answer code 21 and wait for `/submit/modal`."""
    if body.task_id is None:
        raise MissingField("taskId")
    if body.custom_id is None:
        raise MissingField("customId")
    request = ActionRequest(
        task_id=body.task_id,
        custom_id=body.custom_id,
        enable_remix=bool(body.enable_remix),
        choose_same_channel=bool(body.choose_same_channel),
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return accepted_reply(await tasks.act(request, speed=speed), messages)


@router.post("/submit/change", summary="Upscale, vary or reroll a finished task")
async def change(body: ChangeIn, tasks: Tasks, speed: Speed, messages: Msgs) -> SubmitReply:
    """`action` is UPSCALE or VARIATION with `index` 1–4, or REROLL (index ignored)."""
    if body.task_id is None:
        raise MissingField("taskId")
    if body.action is None:
        raise MissingField("action")
    kind = _CHANGE_KINDS.get(body.action)
    if kind is None:
        raise InvalidField(
            "action", f"must be UPSCALE, VARIATION or REROLL, but got {body.action!r}"
        )
    index = 0
    if kind is not ButtonKind.REROLL:
        if body.index is None:
            raise MissingField("index", hint=f"{body.action} needs the image number 1, 2, 3 or 4")
        if not 1 <= body.index <= 4:
            raise InvalidField("index", f"must be 1, 2, 3 or 4, but got {body.index}")
        index = body.index
    request = ActionRequest(
        task_id=body.task_id,
        custom_id=build_change_id(kind, index),
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return accepted_reply(await tasks.act(request, speed=speed), messages)


@router.post("/submit/simple-change", summary="The same as change, written as '<taskId> U1'")
async def simple_change(
    body: SimpleChangeIn, tasks: Tasks, speed: Speed, messages: Msgs
) -> SubmitReply:
    """`content` is `<taskId> U1`–`U4`, `V1`–`V4` or `R`."""
    if body.content is None:
        raise MissingField("content")
    match = _SIMPLE_CHANGE.match(body.content.strip())
    if match is None:
        raise InvalidField(
            "content", f"must look like '<taskId> U1' (U1-U4, V1-V4 or R), but got {body.content!r}"
        )
    op = match.group("op").upper()
    kind = {"U": ButtonKind.UPSCALE, "V": ButtonKind.VARIATION, "R": ButtonKind.REROLL}[op[0]]
    index = int(op[1:]) if len(op) > 1 else 0
    request = ActionRequest(
        task_id=match.group("task"),
        custom_id=build_change_id(kind, index),
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return accepted_reply(await tasks.act(request, speed=speed), messages)


@router.post("/submit/modal", summary="Confirm a task waiting in MODAL")
async def modal(body: ModalIn, tasks: Tasks, services: ServicesDep, messages: Msgs) -> SubmitReply:
    """Continues the same task id. A blank `prompt` keeps the suggested one; Vary (Region)
    needs `maskBase64`."""
    if body.task_id is None:
        raise MissingField("taskId")
    prompt = intake.optional_prompt(body.prompt)
    limits = ImageLimits(max_bytes=services.settings.images.max_bytes)
    mask = await intake.optional_image(
        body.mask_base64, field="maskBase64", role="mask", limits=limits
    )
    request = ModalRequest(task_id=body.task_id, prompt=prompt, mask=mask)
    return accepted_reply(await tasks.confirm_modal(request), messages)
