"""The task: what a client asked for, where it stands, and how engine updates change it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    MODAL = "MODAL"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCEL = "CANCEL"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def rank(self) -> int:
        """Order of the lifecycle; an update never moves a task to a lower rank."""
        return _RANK[self]


_TERMINAL = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCEL})
_RANK = {
    TaskStatus.NOT_START: 0,
    TaskStatus.MODAL: 0,
    TaskStatus.SUBMITTED: 1,
    TaskStatus.IN_PROGRESS: 2,
    TaskStatus.SUCCESS: 3,
    TaskStatus.FAILURE: 3,
    TaskStatus.CANCEL: 3,
}


class TaskAction(StrEnum):
    IMAGINE = "IMAGINE"
    UPSCALE = "UPSCALE"
    UPSCALE_HD = "UPSCALE_HD"
    VARIATION = "VARIATION"
    LOW_VARIATION = "LOW_VARIATION"
    HIGH_VARIATION = "HIGH_VARIATION"
    REROLL = "REROLL"
    ZOOM = "ZOOM"
    CUSTOM_ZOOM = "CUSTOM_ZOOM"
    PAN = "PAN"
    INPAINT = "INPAINT"
    DESCRIBE = "DESCRIBE"
    BLEND = "BLEND"
    SHORTEN = "SHORTEN"
    SWAP_FACE = "SWAP_FACE"
    UPLOAD = "UPLOAD"
    VIDEO = "VIDEO"
    EDITS = "EDITS"


class BotType(StrEnum):
    MID_JOURNEY = "MID_JOURNEY"
    NIJI_JOURNEY = "NIJI_JOURNEY"
    INSIGHT_FACE = "INSIGHT_FACE"


class Mode(StrEnum):
    FAST = "FAST"
    RELAX = "RELAX"
    TURBO = "TURBO"


@dataclass(frozen=True, slots=True)
class Button:
    """A clickable action on a finished task, in Discord's own custom-id format."""

    custom_id: str
    emoji: str = ""
    label: str = ""
    type: int = 2
    style: int = 2


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """Which accounts a client allows for its task (the wire's `accountFilter`)."""

    instance_id: str | None = None
    channel_id: str | None = None
    modes: tuple[Mode, ...] = ()
    remark: str | None = None
    remix: bool | None = None
    remix_auto_considered: bool | None = None


@dataclass(slots=True)
class Task:
    """One unit of work as clients see it, plus what the engine needs to find it again.

    Times are epoch milliseconds. `progress` is a whole percentage. Correlation data that
    only one engine understands lives in `engine_state` (persisted, never shown to clients).
    """

    id: str
    action: TaskAction
    submit_time_ms: int
    status: TaskStatus = TaskStatus.NOT_START
    progress: int = 0
    prompt: str = ""
    prompt_en: str = ""
    description: str = ""
    state: str | None = None
    bot_type: BotType = BotType.MID_JOURNEY
    mode: Mode | None = None
    requested_modes: tuple[Mode, ...] = ()
    account_filter: AccountFilter | None = None
    notify_hook: str | None = None
    owner: str | None = None
    parent_id: str | None = None
    custom_id: str | None = None
    account_id: str | None = None
    start_time_ms: int | None = None
    finish_time_ms: int | None = None
    image_url: str | None = None
    image_urls: list[str] = field(default_factory=list)
    video_url: str | None = None
    video_urls: list[str] = field(default_factory=list)
    fail_reason: str | None = None
    buttons: list[Button] = field(default_factory=list)
    final_prompt: str | None = None
    final_zh_prompt: str | None = None
    message_id: str | None = None
    message_hash: str | None = None
    message_flags: int | None = None
    progress_message_id: str | None = None
    nonce: str | None = None
    seed: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    engine_state: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def progress_text(self) -> str:
        return "100%" if self.is_terminal else f"{self.progress}%"


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """A change an engine (or the service) reports for one task; `None` means unchanged.

    `properties` and `engine_state` are merged key by key into the task's own maps.
    """

    task_id: str
    status: TaskStatus | None = None
    progress: int | None = None
    prompt: str | None = None
    prompt_en: str | None = None
    description: str | None = None
    image_url: str | None = None
    image_urls: list[str] | None = None
    video_url: str | None = None
    video_urls: list[str] | None = None
    fail_reason: str | None = None
    buttons: list[Button] | None = None
    final_prompt: str | None = None
    final_zh_prompt: str | None = None
    message_id: str | None = None
    message_hash: str | None = None
    message_flags: int | None = None
    progress_message_id: str | None = None
    nonce: str | None = None
    seed: str | None = None
    account_id: str | None = None
    mode: Mode | None = None
    properties: dict[str, Any] | None = None
    engine_state: dict[str, Any] | None = None


class StaleUpdate(Exception):
    """The update would move a task backwards (e.g. progress after SUCCESS); it is dropped."""


_PLAIN_FIELDS = (
    "prompt",
    "prompt_en",
    "description",
    "image_url",
    "image_urls",
    "video_url",
    "video_urls",
    "buttons",
    "final_prompt",
    "final_zh_prompt",
    "message_id",
    "message_hash",
    "message_flags",
    "progress_message_id",
    "nonce",
    "seed",
    "account_id",
    "mode",
)


def apply_update(task: Task, update: TaskUpdate, *, now_ms: int) -> Task:
    """Return a copy of `task` with `update` applied, enforcing the lifecycle rules.

    A terminal task never changes status again, status never moves backwards, progress
    never decreases while in progress, and every terminal state carries its finish time.
    A FAILURE always has a reason. Raises `StaleUpdate` when the update is out of order.
    """
    if task.is_terminal and update.status is not None and update.status != task.status:
        raise StaleUpdate(f"task {task.id} is {task.status} and cannot become {update.status}")
    if update.status is not None and update.status.rank < task.status.rank:
        raise StaleUpdate(f"task {task.id} is {task.status} and cannot go back to {update.status}")
    new = dataclasses.replace(
        task,
        image_urls=list(task.image_urls),
        video_urls=list(task.video_urls),
        buttons=list(task.buttons),
        properties=dict(task.properties),
        engine_state=dict(task.engine_state),
    )
    for name in _PLAIN_FIELDS:
        value = getattr(update, name)
        if value is not None:
            setattr(new, name, value)
    if update.properties:
        new.properties.update(update.properties)
    if update.engine_state:
        new.engine_state.update(update.engine_state)
    _apply_status(new, update, now_ms=now_ms)
    new.version = task.version + 1
    return new


def _apply_status(new: Task, update: TaskUpdate, *, now_ms: int) -> None:
    if update.status is not None:
        new.status = update.status
    if update.progress is not None and not new.is_terminal:
        new.progress = max(new.progress, min(update.progress, 100))
    if new.status in (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS) and new.start_time_ms is None:
        new.start_time_ms = now_ms
    if new.is_terminal:
        new.progress = 100
        if new.finish_time_ms is None:
            new.finish_time_ms = now_ms
        if new.status is TaskStatus.FAILURE and not (update.fail_reason or new.fail_reason):
            new.fail_reason = "The task failed without a reason from the engine."
    if update.fail_reason is not None:
        new.fail_reason = update.fail_reason


@dataclass(frozen=True, slots=True)
class ImageInput:
    """An image a client sent with a task (reference image, blend source, mask …), decoded."""

    data: bytes
    mime: str
    role: str = "reference"

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": "jpg",
            "image/png": "png",
            "image/webp": "webp",
            "image/gif": "gif",
        }.get(self.mime, "bin")
