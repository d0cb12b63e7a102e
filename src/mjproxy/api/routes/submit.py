"""New jobs: imagine, blend, describe, shorten, edits, video, face swap; and image upload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mjproxy.api import intake
from mjproxy.api.deps import Msgs, ServicesDep, Speed, Tasks, Upstream
from mjproxy.api.messages import Outcome
from mjproxy.api.replies import accepted_reply
from mjproxy.api.requests import (
    BlendIn,
    DescribeIn,
    EditsIn,
    ImagineIn,
    ShortenIn,
    SubmitBase,
    SwapFaceIn,
    UploadIn,
    VideoIn,
)
from mjproxy.api.schemas import SubmitReply, UploadReply
from mjproxy.domain.custom_ids import ButtonAction, ButtonKind
from mjproxy.domain.errors import InvalidField, MissingField
from mjproxy.domain.task import AccountFilter, BotType, TaskAction
from mjproxy.media.images import ImageLimits
from mjproxy.services.submissions import ActionRequest, NewTask

router = APIRouter(tags=["submit"])

_BLEND_DIMENSIONS = ("PORTRAIT", "SQUARE", "LANDSCAPE")
_MOTIONS = ("low", "high")
_VIDEO_BATCH_SIZES = (1, 2, 4)


def _limits(services: ServicesDep) -> ImageLimits:
    return ImageLimits(max_bytes=services.settings.images.max_bytes)


def _common(body: SubmitBase) -> dict[str, Any]:
    return {"notify_hook": body.notify_hook, "state": body.state}


@router.post("/submit/imagine", summary="Imagine: four images from a prompt")
async def imagine(
    body: ImagineIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """`base64Array` (and the legacy `base64`) are reference images, as data URIs."""
    prompt = intake.required_prompt(body.prompt)
    texts = list(body.base64_array or []) + ([body.base64] if body.base64 else [])
    references = await intake.images(
        texts,
        field="base64Array",
        role="reference",
        limits=_limits(services),
        max_count=services.settings.images.max_reference_images,
    )
    new = NewTask(
        action=TaskAction.IMAGINE,
        prompt=prompt,
        images=references,
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/blend", summary="Blend: mix 2 to 5 images")
async def blend(
    body: BlendIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """`dimensions` is PORTRAIT (2:3), SQUARE (1:1, the default) or LANDSCAPE (3:2)."""
    dimensions = body.dimensions or "SQUARE"
    if dimensions not in _BLEND_DIMENSIONS:
        raise InvalidField(
            "dimensions", f"must be PORTRAIT, SQUARE or LANDSCAPE, but got {dimensions!r}"
        )
    sources = await intake.images(
        body.base64_array or [],
        field="base64Array",
        role="blend",
        limits=_limits(services),
        min_count=2,
        max_count=5,
    )
    new = NewTask(
        action=TaskAction.BLEND,
        images=sources,
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        options={"dimensions": dimensions},
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/describe", summary="Describe: four prompts for an image")
async def describe(
    body: DescribeIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """Send the image as `base64` (a data URI) or as a `link`; the prompts arrive in
    `properties.finalPrompt` of the finished task."""
    if body.base64 is None and body.link is None:
        raise MissingField("base64", hint="send the image as base64 data or as a link")
    image, _ = await intake.image_or_link(
        body.base64, field="base64", role="describe", limits=_limits(services)
    )
    new = NewTask(
        action=TaskAction.DESCRIBE,
        images=(image,) if image else (),
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        options={"link": body.link} if image is None else {},
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/shorten", summary="Shorten: analyse and shorten a prompt")
async def shorten(body: ShortenIn, tasks: Tasks, speed: Speed, messages: Msgs) -> SubmitReply:
    new = NewTask(
        action=TaskAction.SHORTEN,
        prompt=intake.required_prompt(body.prompt),
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/edits", summary="Edits: change an image by a prompt (and a mask)")
async def edits(
    body: EditsIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """`image` is a URL or base64 data; `maskBase64` marks the area to repaint."""
    prompt = intake.required_prompt(body.prompt)
    if body.image is None:
        raise MissingField("image", hint="a URL or base64 data")
    limits = _limits(services)
    image, link = await intake.image_or_link(body.image, field="image", role="edit", limits=limits)
    mask = await intake.optional_image(
        body.mask_base64, field="maskBase64", role="mask", limits=limits
    )
    new = NewTask(
        action=TaskAction.EDITS,
        prompt=prompt,
        images=tuple(item for item in (image, mask) if item is not None),
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        options={"imageUrl": link} if link else {},
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/video", summary="Video: animate an image, or extend a video task")
async def video(
    body: VideoIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """With `taskId`, animates that finished task (`action: "extend"` extends a video);
    otherwise `image` (URL or base64, or Dooy's `base64`) is the first frame."""
    options = _video_options(body)
    if body.task_id is not None:
        kind = (
            ButtonKind.ANIMATE_EXTEND
            if (body.action or "").lower() == "extend"
            else ButtonKind.ANIMATE
        )
        button = ButtonAction(
            kind=kind, index=body.index or 1, job_hash=None, detail=options["motion"]
        )
        request = ActionRequest(
            task_id=body.task_id, custom_id=button.build("0"), options=options, **_common(body)
        )
        return accepted_reply(await tasks.act(request, speed=speed or body.mode), messages)
    limits = _limits(services)
    start, start_link = await intake.image_or_link(
        body.image or body.base64, field="image", role="video_start", limits=limits
    )
    if start is None and start_link is None:
        raise MissingField("image", hint="the first frame as a URL or base64 data, or a taskId")
    end, end_link = await intake.image_or_link(
        body.end_image, field="endImage", role="video_end", limits=limits
    )
    links = {"imageUrl": start_link, "endImageUrl": end_link}
    new = NewTask(
        action=TaskAction.VIDEO,
        prompt=intake.optional_prompt(body.prompt),
        images=tuple(item for item in (start, end) if item is not None),
        bot_type=intake.bot_type(body.bot_type),
        account_filter=intake.account_filter(body.account_filter),
        options={**options, **{key: value for key, value in links.items() if value}},
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed or body.mode), messages)


def _video_options(body: VideoIn) -> dict[str, Any]:
    motion = (body.motion or "low").lower()
    if motion not in _MOTIONS:
        raise InvalidField("motion", f"must be 'low' or 'high', but got {body.motion!r}")
    if body.batch_size is not None and body.batch_size not in _VIDEO_BATCH_SIZES:
        raise InvalidField("batchSize", f"must be 1, 2 or 4, but got {body.batch_size}")
    if body.index is not None and not 1 <= body.index <= 4:
        raise InvalidField("index", f"must be 1, 2, 3 or 4, but got {body.index}")
    chosen = {"loop": body.loop, "batchSize": body.batch_size, "videoType": body.video_type}
    return {"motion": motion, **{key: value for key, value in chosen.items() if value is not None}}


@router.post("/insight-face/swap", summary="Face swap: put the source face onto the target")
async def swap_face(
    body: SwapFaceIn, tasks: Tasks, services: ServicesDep, speed: Speed, messages: Msgs
) -> SubmitReply:
    """Each image is base64 (`sourceBase64`, `targetBase64`) or a URL (`sourceUrl`, `targetUrl`)."""
    limits = _limits(services)
    source, source_link = await intake.image_or_link(
        body.source_base64 or body.source_url,
        field="sourceBase64",
        role="face_source",
        limits=limits,
    )
    target, target_link = await intake.image_or_link(
        body.target_base64 or body.target_url,
        field="targetBase64",
        role="face_target",
        limits=limits,
    )
    if source is None and source_link is None:
        raise MissingField("sourceBase64", hint="the face to use, as base64 data or sourceUrl")
    if target is None and target_link is None:
        raise MissingField(
            "targetBase64", hint="the picture to change, as base64 data or targetUrl"
        )
    links = {"sourceUrl": source_link, "targetUrl": target_link}
    new = NewTask(
        action=TaskAction.SWAP_FACE,
        images=tuple(item for item in (source, target) if item is not None),
        bot_type=BotType.INSIGHT_FACE,
        account_filter=intake.account_filter(body.account_filter),
        options={key: value for key, value in links.items() if value},
        **_common(body),
    )
    return accepted_reply(await tasks.submit(new, speed=speed), messages)


@router.post("/submit/upload-discord-images", summary="Upload images; answers with their URLs")
async def upload_images(
    body: UploadIn, upstream: Upstream, services: ServicesDep, messages: Msgs
) -> UploadReply:
    """No task is created: `result` lists one URL per image, in order."""
    images = await intake.images(
        body.base64_array or [],
        field="base64Array",
        role="upload",
        limits=_limits(services),
        min_count=1,
        max_count=services.settings.images.max_upload_images,
    )
    wanted = intake.account_filter(body.account_filter)
    if body.filter is not None and wanted is None:
        chosen = AccountFilter(
            instance_id=body.filter.instance_id,
            channel_id=body.filter.channel_id,
            remark=body.filter.remark,
        )
        wanted = None if chosen == AccountFilter() else chosen
    urls = await upstream.upload(images, wanted=wanted)
    return UploadReply(code=1, description=messages.outcome(Outcome.UPLOADED), result=urls)
