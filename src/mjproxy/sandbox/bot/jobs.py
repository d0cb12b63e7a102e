"""Midjourney jobs: the kinds, what each looks like (data), and the record of every job run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.sandbox.accounts import Account, Mode
from mjproxy.sandbox.bot.formats import Label
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.entities import Channel, StoredMessage
from mjproxy.sandbox.identities import BotIdentity
from mjproxy.sandbox.images import TileSpec
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import JsonObject
from mjproxy.sandbox.transcript import EntryKind, Transcript


class JobKind(StrEnum):
    IMAGINE = "imagine"
    BLEND = "blend"
    REROLL = "reroll"
    VARIATION = "variation"  # V1–V4, Vary (Strong|Subtle|Region), and their remixes
    ZOOM = "zoom"
    PAN = "pan"
    PICK = "pick"  # U1–U4
    UPSCALE = "upscale"  # Upscale (Subtle|Creative|2x|4x)
    ANIMATE = "animate"
    EXTEND = "extend"
    VIDEO_PICK = "video_pick"


class Layout(StrEnum):
    GRID = "grid"
    SOLO = "solo"
    UPSCALED = "upscaled"
    VIDEO_GRID = "video_grid"
    VIDEO_SOLO = "video_solo"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class JobSpec:
    running_label: Label
    done_label: Label
    layout: Layout
    progress: bool = True  # progress edits on a "(Waiting to start)" message
    website_link: bool = False  # may carry "(Open on website for full quality)"
    gpu_minutes: float = 1.0
    video: bool = False


JOB_SPECS: dict[JobKind, JobSpec] = {
    JobKind.IMAGINE: JobSpec(Label.NONE, Label.NONE, Layout.GRID, website_link=True),
    JobKind.BLEND: JobSpec(Label.NONE, Label.NONE, Layout.GRID, website_link=True),
    JobKind.REROLL: JobSpec(Label.NONE, Label.NONE, Layout.GRID, website_link=True),
    JobKind.VARIATION: JobSpec(Label.VARIATIONS, Label.VARIATIONS, Layout.GRID, website_link=True),
    JobKind.ZOOM: JobSpec(Label.ZOOM_OUT, Label.ZOOM_OUT, Layout.GRID),
    JobKind.PAN: JobSpec(Label.PAN, Label.PAN, Layout.GRID),
    JobKind.PICK: JobSpec(Label.PICKED, Label.PICKED, Layout.SOLO, progress=False, gpu_minutes=0),
    JobKind.UPSCALE: JobSpec(Label.UPSCALING, Label.UPSCALED, Layout.UPSCALED, gpu_minutes=2),
    JobKind.ANIMATE: JobSpec(Label.NONE, Label.NONE, Layout.VIDEO_GRID, gpu_minutes=8, video=True),
    JobKind.EXTEND: JobSpec(
        Label.EXTENDING, Label.EXTENDED, Layout.VIDEO_GRID, gpu_minutes=8, video=True
    ),
    JobKind.VIDEO_PICK: JobSpec(
        Label.PICKED_VIDEO,
        Label.PICKED_VIDEO,
        Layout.VIDEO_SOLO,
        progress=False,
        gpu_minutes=0,
        video=True,
    ),
}


@dataclass(frozen=True, slots=True)
class ResultFile:
    """Where a finished job's picture lives on the CDN (it can always be rendered again)."""

    filename: str
    content_type: str
    size: tuple[int, int]
    cdn_path: str


@dataclass(slots=True)
class Job:
    """One job: who asked, what it shows, where its messages are, how it ended."""

    uuid: str
    kind: JobKind
    interaction: Interaction  # the interaction that started it (session, nonce, metadata)
    account: Account
    bot: BotIdentity
    channel: Channel
    prompt: str  # as echoed in contents
    mode: Mode
    model: str
    seed: int
    tiles: list[TileSpec]
    labels: dict[str, str] = field(default_factory=dict)  # verb, strength, direction, index
    parent: Job | None = None
    index: int = 1  # which image of the parent
    source: StoredMessage | None = None  # the message whose button started it
    scenario: str | None = None  # mid-job trouble: "stopped", "moderated"
    status: JobStatus = JobStatus.QUEUED
    progress_message: StoredMessage | None = None
    result_message: StoredMessage | None = None
    result_file: ResultFile | None = None
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    # Wall-clock epoch ms when it took a slot (RUNNING) and when it ended; None until then.
    started_ms: int | None = None
    ended_ms: int | None = None

    @property
    def spec(self) -> JobSpec:
        return JOB_SPECS[self.kind]

    def summary(self) -> JsonObject:
        return {
            "uuid": self.uuid,
            "kind": self.kind.value,
            "status": self.status.value,
            "prompt": self.prompt,
            "mode": self.mode.value,
            "user_id": self.account.user_id,
            "channel_id": self.channel.id,
            "seed": self.seed,
            "parent": self.parent.uuid if self.parent else None,
            "index": self.index,
            "progress_message_id": self.progress_message.id if self.progress_message else None,
            "result_message_id": self.result_message.id if self.result_message else None,
            "started_ms": self.started_ms,
            "ended_ms": self.ended_ms,
        }


class JobRegistry:
    """Every job by uuid; status changes go to the transcript so tests can await them."""

    def __init__(self, transcript: Transcript) -> None:
        self._jobs: dict[str, Job] = {}
        self._transcript = transcript

    def add(self, job: Job) -> None:
        self._jobs[job.uuid] = job
        self._record(job)

    def get(self, uuid: str) -> Job | None:
        return self._jobs.get(uuid)

    def all(self) -> list[Job]:
        return list(self._jobs.values())

    def of_user(self, user_id: str) -> list[Job]:
        return [j for j in self._jobs.values() if j.account.user_id == user_id]

    def set_status(self, job: Job, status: JobStatus) -> None:
        job.status = status
        if status is JobStatus.RUNNING:
            job.started_ms = Clock.now_ms()
        elif status is not JobStatus.QUEUED:
            job.ended_ms = Clock.now_ms()
        self._record(job)

    def _record(self, job: Job) -> None:
        self._transcript.record(
            EntryKind.JOB,
            user_id=job.account.user_id,
            note=job.status.value,
            event=job.kind.value,
            payload=job.summary(),
        )
