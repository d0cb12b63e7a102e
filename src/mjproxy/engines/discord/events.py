"""Typed events the parser makes from gateway dispatches; the router and trackers read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.domain.account import MidjourneyFacts
from mjproxy.domain.task import Button
from mjproxy.engines.discord.formats import JobKind, NoticeEffect, NoticeKind


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where a message sits and what ties it to a request (nonce, interaction, reply)."""

    message_id: str
    channel_id: str
    nonce: str | None = None
    interaction_id: str | None = None
    interaction_name: str | None = None
    referenced_message_id: str | None = None
    author_id: str | None = None
    user_id: str | None = None  # the user the message is for (interaction user or mention)
    flags: int = 0
    is_update: bool = False


class JobStage(StrEnum):
    STARTED = "started"  # "(Waiting to start)"
    PROGRESS = "progress"  # "(31%)"
    RESULT = "result"  # finished image/video with buttons
    STOPPED = "stopped"  # "(Stopped)"


@dataclass(frozen=True, slots=True)
class JobMessage:
    """A message about one generation job: start, progress, result or stop."""

    envelope: Envelope
    stage: JobStage
    kind: JobKind
    prompt: str
    index: int | None = None
    detail: str = ""
    percent: int | None = None
    mode: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    job_hash: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class DescribeResult:
    envelope: Envelope
    prompts: tuple[str, ...]
    text: str
    image_url: str | None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class ShortenResult:
    envelope: Envelope
    prompts: tuple[str, ...]
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class InfoReport:
    envelope: Envelope
    fields: dict[str, str]
    facts: MidjourneyFacts


@dataclass(frozen=True, slots=True)
class SettingsReport:
    envelope: Envelope
    remix: bool | None
    version: str | None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class SeedReport:
    envelope: Envelope
    job_hash: str
    seed: str


@dataclass(frozen=True, slots=True)
class Notice:
    """An embed from Midjourney: an error, a warning, or an account problem."""

    envelope: Envelope
    kind: NoticeKind
    effect: NoticeEffect
    title: str
    description: str
    buttons: tuple[Button, ...] = ()

    @property
    def reason(self) -> str:
        return f"[{self.title}] {self.description}".strip()


@dataclass(frozen=True, slots=True)
class FailedText:
    """Plain content starting with "Failed" (e.g. "Failed to process your command")."""

    envelope: Envelope
    text: str


@dataclass(frozen=True, slots=True)
class CommandReply:
    """A reply to `/fast`, `/relax`, `/turbo` or `/prefer remix`."""

    envelope: Envelope
    text: str
    remix: bool | None = None


@dataclass(frozen=True, slots=True)
class ImageMessage:
    """A message with an image but no job line (our own uploads, `/show` replies)."""

    envelope: Envelope
    image_url: str | None
    job_hash: str | None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """Anything else; still routed by nonce (e.g. describe's empty start message)."""

    envelope: Envelope
    content: str = ""


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    message_id: str
    channel_id: str


class InteractionPhase(StrEnum):
    CREATED = "created"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    phase: InteractionPhase
    interaction_id: str
    nonce: str | None
    reason_code: int | None = None


@dataclass(frozen=True, slots=True)
class ModalInput:
    custom_id: str
    value: str


@dataclass(frozen=True, slots=True)
class ModalOpened:
    interaction_id: str
    nonce: str | None
    custom_id: str
    title: str
    inputs: tuple[ModalInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class IframeModalOpened:
    interaction_id: str
    nonce: str | None
    custom_id: str
    title: str
    iframe_path: str

    @property
    def is_captcha(self) -> bool:
        return "captcha" in self.iframe_path or "action required" in self.title.lower()


MessageEvent = (
    JobMessage
    | DescribeResult
    | ShortenResult
    | InfoReport
    | SettingsReport
    | SeedReport
    | Notice
    | FailedText
    | CommandReply
    | ImageMessage
    | OtherMessage
)
GatewayEvent = MessageEvent | MessageDeleted | InteractionEvent | ModalOpened | IframeModalOpened
