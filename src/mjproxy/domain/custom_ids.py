"""Midjourney button ids (`MJ::JOB::upsample::1::<hash>` …): what each does, how to build it.

Clients synthesize ids with a random hash (ComfyUI nodes do), so an action is resolved from
the id's *structure* — kind, index and detail — and the real job hash comes from the parent
task. Every pattern Midjourney uses lives in `_PATTERNS`; a new button is one new row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mjproxy.domain.errors import UnknownCustomId
from mjproxy.domain.task import TaskAction


class ButtonKind(StrEnum):
    UPSCALE = "upsample"
    UPSCALE_HD = "upsample_hd"
    VARIATION = "variation"
    LOW_VARIATION = "low_variation"
    HIGH_VARIATION = "high_variation"
    REROLL = "reroll"
    ZOOM_OUT = "outpaint"
    CUSTOM_ZOOM = "custom_zoom"
    PAN = "pan"
    INPAINT = "inpaint"
    ANIMATE = "animate"
    ANIMATE_EXTEND = "animate_extend"
    VIDEO_UPSCALE = "video_virtual_upscale"
    PIC_READER = "pic_reader"
    PIC_READ_RETRY = "pic_read_retry"
    PROMPT_ANALYZER = "prompt_analyzer"
    BOOKMARK = "bookmark"
    CANCEL_JOB = "cancel_job"


class ModalNeed(StrEnum):
    NEVER = "never"
    ALWAYS = "always"
    WHEN_REMIX = "when_remix"


@dataclass(frozen=True, slots=True)
class ButtonAction:
    """What a button does. `detail` is the variant: zoom factor, pan direction, upscale type…"""

    kind: ButtonKind
    index: int
    job_hash: str | None
    detail: str = ""

    @property
    def task_action(self) -> TaskAction:
        return _TASK_ACTIONS[self.kind]

    @property
    def modal(self) -> ModalNeed:
        return _MODALS.get(self.kind, ModalNeed.NEVER)

    @property
    def is_job(self) -> bool:
        """Whether pressing it starts a Midjourney job (bookmarks and cancels do not)."""
        return self.kind not in (ButtonKind.BOOKMARK, ButtonKind.CANCEL_JOB)

    def same_button(self, other: ButtonAction) -> bool:
        """True when both ids press the same button, whatever job hash they carry."""
        return (self.kind, self.index, self.detail) == (other.kind, other.index, other.detail)

    def build(self, job_hash: str) -> str:
        """The canonical Discord custom id of this button on the job `job_hash`."""
        return _BUILDERS[self.kind](self, job_hash)


_HASH = r"(?P<hash>[^:]+)"
_PATTERNS: tuple[tuple[re.Pattern[str], ButtonKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (rf"^MJ::JOB::upsample::(?P<index>[1-4])::{_HASH}(?:::SOLO)?$", ButtonKind.UPSCALE),
        (
            rf"^MJ::JOB::upsample_(?P<detail>v\w+?)::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.UPSCALE_HD,
        ),
        (
            rf"^MJ::JOB::(?P<detail>upsample_max)::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.UPSCALE_HD,
        ),
        (rf"^MJ::JOB::variation::(?P<index>[1-4])::{_HASH}(?:::SOLO)?$", ButtonKind.VARIATION),
        (rf"^MJ::JOB::low_variation::(?P<index>\d)::{_HASH}(?:::SOLO)?$", ButtonKind.LOW_VARIATION),
        (
            rf"^MJ::JOB::high_variation::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.HIGH_VARIATION,
        ),
        (rf"^MJ::JOB::reroll::(?P<index>\d)::{_HASH}(?:::SOLO)?$", ButtonKind.REROLL),
        (
            rf"^MJ::Outpaint::(?P<detail>\d+)::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.ZOOM_OUT,
        ),
        (rf"^MJ::CustomZoom::(?:(?P<index>\d)::)?{_HASH}$", ButtonKind.CUSTOM_ZOOM),
        (
            rf"^MJ::JOB::pan_(?P<detail>left|right|up|down)::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.PAN,
        ),
        (rf"^MJ::Inpaint::(?P<index>\d)::{_HASH}(?:::SOLO)?$", ButtonKind.INPAINT),
        (
            rf"^MJ::JOB::animate_(?P<detail>high|low)_extend::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.ANIMATE_EXTEND,
        ),
        (
            rf"^MJ::JOB::animate_(?P<detail>high|low)::(?P<index>\d)::{_HASH}(?:::SOLO)?$",
            ButtonKind.ANIMATE,
        ),
        (
            rf"^MJ::JOB::video_virtual_upscale::(?P<index>[1-4])::{_HASH}(?:::SOLO)?$",
            ButtonKind.VIDEO_UPSCALE,
        ),
        (r"^MJ::Job::PicReader::(?P<detail>[1-4]|all)$", ButtonKind.PIC_READER),
        (r"^MJ::Picread::Retry$", ButtonKind.PIC_READ_RETRY),
        (r"^MJ::Job::PromptAnalyzer::(?P<index>[0-5])$", ButtonKind.PROMPT_ANALYZER),
        (rf"^MJ::BOOKMARK::{_HASH}$", ButtonKind.BOOKMARK),
        (rf"^MJ::CancelJob::ByJobid::{_HASH}$", ButtonKind.CANCEL_JOB),
    )
)

_TASK_ACTIONS: dict[ButtonKind, TaskAction] = {
    ButtonKind.UPSCALE: TaskAction.UPSCALE,
    ButtonKind.UPSCALE_HD: TaskAction.UPSCALE_HD,
    ButtonKind.VARIATION: TaskAction.VARIATION,
    ButtonKind.LOW_VARIATION: TaskAction.LOW_VARIATION,
    ButtonKind.HIGH_VARIATION: TaskAction.HIGH_VARIATION,
    ButtonKind.REROLL: TaskAction.REROLL,
    ButtonKind.ZOOM_OUT: TaskAction.ZOOM,
    ButtonKind.CUSTOM_ZOOM: TaskAction.CUSTOM_ZOOM,
    ButtonKind.PAN: TaskAction.PAN,
    ButtonKind.INPAINT: TaskAction.INPAINT,
    ButtonKind.ANIMATE: TaskAction.VIDEO,
    ButtonKind.ANIMATE_EXTEND: TaskAction.VIDEO,
    ButtonKind.VIDEO_UPSCALE: TaskAction.UPSCALE,
    ButtonKind.PIC_READER: TaskAction.IMAGINE,
    ButtonKind.PIC_READ_RETRY: TaskAction.DESCRIBE,
    ButtonKind.PROMPT_ANALYZER: TaskAction.IMAGINE,
    ButtonKind.BOOKMARK: TaskAction.IMAGINE,
    ButtonKind.CANCEL_JOB: TaskAction.IMAGINE,
}

_MODALS: dict[ButtonKind, ModalNeed] = {
    ButtonKind.CUSTOM_ZOOM: ModalNeed.ALWAYS,
    ButtonKind.INPAINT: ModalNeed.ALWAYS,
    ButtonKind.PIC_READER: ModalNeed.ALWAYS,
    ButtonKind.PROMPT_ANALYZER: ModalNeed.ALWAYS,
    ButtonKind.VARIATION: ModalNeed.WHEN_REMIX,
    ButtonKind.LOW_VARIATION: ModalNeed.WHEN_REMIX,
    ButtonKind.HIGH_VARIATION: ModalNeed.WHEN_REMIX,
    ButtonKind.REROLL: ModalNeed.WHEN_REMIX,
    ButtonKind.PAN: ModalNeed.WHEN_REMIX,
    ButtonKind.ANIMATE: ModalNeed.WHEN_REMIX,
    ButtonKind.ANIMATE_EXTEND: ModalNeed.WHEN_REMIX,
}


_BUILDERS: dict[ButtonKind, Callable[[ButtonAction, str], str]] = {
    ButtonKind.UPSCALE: lambda a, h: f"MJ::JOB::upsample::{a.index}::{h}",
    ButtonKind.UPSCALE_HD: lambda a, h: (
        f"MJ::JOB::{a.detail}::{a.index}::{h}::SOLO"
        if a.detail == "upsample_max"
        else f"MJ::JOB::upsample_{a.detail}::{a.index}::{h}::SOLO"
    ),
    ButtonKind.VARIATION: lambda a, h: f"MJ::JOB::variation::{a.index}::{h}",
    ButtonKind.LOW_VARIATION: lambda a, h: f"MJ::JOB::low_variation::{a.index}::{h}::SOLO",
    ButtonKind.HIGH_VARIATION: lambda a, h: f"MJ::JOB::high_variation::{a.index}::{h}::SOLO",
    ButtonKind.REROLL: lambda a, h: f"MJ::JOB::reroll::0::{h}::SOLO",
    ButtonKind.ZOOM_OUT: lambda a, h: f"MJ::Outpaint::{a.detail}::{a.index}::{h}::SOLO",
    ButtonKind.CUSTOM_ZOOM: lambda a, h: f"MJ::CustomZoom::{h}",
    ButtonKind.PAN: lambda a, h: f"MJ::JOB::pan_{a.detail}::{a.index}::{h}::SOLO",
    ButtonKind.INPAINT: lambda a, h: f"MJ::Inpaint::{a.index}::{h}::SOLO",
    ButtonKind.ANIMATE: lambda a, h: f"MJ::JOB::animate_{a.detail}::{a.index}::{h}::SOLO",
    ButtonKind.ANIMATE_EXTEND: lambda a, h: f"MJ::JOB::animate_{a.detail}_extend::{a.index}::{h}",
    ButtonKind.VIDEO_UPSCALE: lambda a, h: f"MJ::JOB::video_virtual_upscale::{a.index}::{h}",
    ButtonKind.PIC_READER: lambda a, h: f"MJ::Job::PicReader::{a.detail}",
    ButtonKind.PIC_READ_RETRY: lambda a, h: "MJ::Picread::Retry",
    ButtonKind.PROMPT_ANALYZER: lambda a, h: f"MJ::Job::PromptAnalyzer::{a.index}",
    ButtonKind.BOOKMARK: lambda a, h: f"MJ::BOOKMARK::{h}",
    ButtonKind.CANCEL_JOB: lambda a, h: f"MJ::CancelJob::ByJobid::{h}",
}


def parse_custom_id(custom_id: str) -> ButtonAction:
    """Resolve a button id to its action. Raises `UnknownCustomId` for any other string."""
    text = custom_id.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        index_text = groups.get("index")
        detail = groups.get("detail") or ""
        if kind is ButtonKind.PIC_READER and detail != "all":
            index_text = detail
        return ButtonAction(
            kind=kind,
            index=int(index_text) if index_text else (0 if kind is ButtonKind.REROLL else 1),
            job_hash=groups.get("hash"),
            detail=detail,
        )
    raise UnknownCustomId(custom_id)
