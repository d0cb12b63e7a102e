"""Request bodies as clients send them: camelCase, tolerant, unknown fields ignored.

Tolerance is deliberate (clients.md §5.4): blank strings count as absent, enum values are
case-insensitive, ids may be strings or numbers, and fields nobody asked for — of any type
— are ignored. What a field *must* hold is checked here; whether the request makes sense
(a prompt is present, 2–5 blend images …) is checked where the body becomes a service call.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mjproxy.domain.task import AccountFilter, BotType, Mode

_BOT_ALIASES = {"MJ": "MID_JOURNEY", "MIDJOURNEY": "MID_JOURNEY", "NIJI": "NIJI_JOURNEY"}


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _upper_enum(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().upper()
        return _BOT_ALIASES.get(text, text) or None
    return value


def _task_id(value: Any) -> Any:
    # JavaScript clients turn digit ids into numbers; bools are ints in Python but not ids.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


Text = Annotated[str | None, BeforeValidator(_blank_is_none)]
# The length limit sits on the `str` alone: on the whole `str | None`, pydantic would apply
# it to the None a blank URL becomes, and raise TypeError (an HTTP 500) instead of accepting it.
Url = Annotated[
    Annotated[str, Field(max_length=2048)] | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(_http_url),
]
TaskId = Annotated[str | None, BeforeValidator(_task_id), BeforeValidator(_blank_is_none)]
BotTypeIn = Annotated[BotType | None, BeforeValidator(_upper_enum)]
ModeIn = Annotated[Mode, BeforeValidator(_upper_enum)]


# Paging offsets stop here: far past any real table, and below the 2**63 where every
# database's integer overflows (an offset of 2**64 was an HTTP 500 before this bound).
MAX_OFFSET = 1_000_000_000


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class AccountFilterIn(WireModel):
    """`accountFilter`: which accounts may take the task (blank fields match any)."""

    channel_id: Text = None
    instance_id: Text = None
    modes: list[ModeIn] | None = None
    remark: Text = None
    remix: bool | None = None
    remix_auto_considered: bool | None = None

    def to_domain(self) -> AccountFilter | None:
        result = AccountFilter(
            instance_id=self.instance_id,
            channel_id=self.channel_id,
            modes=tuple(dict.fromkeys(self.modes or ())),
            remark=self.remark,
            remix=self.remix,
            remix_auto_considered=self.remix_auto_considered,
        )
        return None if result == AccountFilter() else result


class SubmitBase(WireModel):
    notify_hook: Url = None
    state: str | None = Field(None, max_length=65_536)


class ImagineIn(SubmitBase):
    prompt: str | None = None
    base64_array: list[str] | None = None
    base64: Text = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "prompt": "a red ceramic mug on a white table --ar 4:3",
                    "base64Array": [],
                    "botType": "MID_JOURNEY",
                    "notifyHook": "",
                    "state": "my-request-42",
                }
            ]
        }
    )


class BlendIn(SubmitBase):
    base64_array: list[str] | None = None
    dimensions: Annotated[str | None, BeforeValidator(_upper_enum)] = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "base64Array": [
                        "data:image/png;base64,iVBORw0...",
                        "data:image/png;base64,...",
                    ],
                    "dimensions": "SQUARE",
                    "botType": "MID_JOURNEY",
                }
            ]
        }
    )


class DescribeIn(SubmitBase):
    base64: Text = None
    link: Url = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"base64": "data:image/png;base64,iVBORw0..."}]}
    )


class ShortenIn(SubmitBase):
    prompt: str | None = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"prompt": "a very detailed photo of a cat, 8k, hdr"}]}
    )


class ActionIn(SubmitBase):
    task_id: TaskId = None
    custom_id: Text = Field(None, max_length=255)
    choose_same_channel: bool | None = None
    enable_remix: bool | None = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "taskId": "1320098173412546",
                    "customId": "MJ::JOB::upsample::1::82c51c9d-bc33-4c07-a471-36c3dcb1a6f0",
                }
            ]
        }
    )


class ModalIn(WireModel):
    task_id: TaskId = None
    prompt: str | None = None
    mask_base64: Text = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"taskId": "1320098173412547", "prompt": "a cat --ar 1:1 --zoom 1.5"}]
        }
    )


class ChangeIn(SubmitBase):
    task_id: TaskId = None
    action: Annotated[str | None, BeforeValidator(_upper_enum)] = None
    index: int | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"taskId": "1320098173412546", "action": "UPSCALE", "index": 1}]
        }
    )


class SimpleChangeIn(SubmitBase):
    content: Text = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"content": "1320098173412546 U1"}]})


class UploadFilterIn(WireModel):
    channel_id: Text = None
    instance_id: Text = None
    remark: Text = None


class UploadIn(WireModel):
    base64_array: list[str] | None = None
    filter: UploadFilterIn | None = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"base64Array": ["data:image/png;base64,iVBORw0..."]}]}
    )


class VideoIn(SubmitBase):
    prompt: str | None = None
    image: Text = None
    base64: Text = None
    end_image: Text = None
    motion: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    loop: bool | None = None
    batch_size: int | None = None
    video_type: Text = Field(None, max_length=64)
    action: Text = None
    index: int | None = None
    task_id: TaskId = None
    mode: Annotated[ModeIn | None, BeforeValidator(_blank_is_none)] = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "prompt": "the mug slowly rotates",
                    "image": "https://example.com/mug.png",
                    "motion": "low",
                }
            ]
        }
    )


class EditsIn(SubmitBase):
    prompt: str | None = None
    image: Text = None
    mask_base64: Text = None
    bot_type: BotTypeIn = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"prompt": "make the mug blue", "image": "data:image/png;base64,iVBORw0..."}
            ]
        }
    )


class SwapFaceIn(SubmitBase):
    source_base64: Text = None
    target_base64: Text = None
    source_url: Url = None
    target_url: Url = None
    account_filter: AccountFilterIn | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sourceBase64": "data:image/jpeg;base64,/9j/4AAQ...",
                    "targetBase64": "data:image/jpeg;base64,/9j/4AAQ...",
                }
            ]
        }
    )


class ListByConditionIn(WireModel):
    ids: list[Annotated[str, BeforeValidator(_task_id)]] | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"ids": ["1320098173412546", 1320098173412547]}]}
    )
