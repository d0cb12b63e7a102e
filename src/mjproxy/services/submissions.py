"""What clients ask the task service for, once the API has checked the shapes, and its answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mjproxy.domain.task import AccountFilter, BotType, ImageInput, Task, TaskAction


@dataclass(frozen=True, slots=True)
class NewTask:
    """A request for a new job: imagine, blend, describe, shorten, edits, video, face swap.

    `bot_type` None means the client did not say: a prompt with `--niji` then goes to the
    niji・journey bot (when an account has it), anything else to Midjourney.
    """

    action: TaskAction
    prompt: str = ""
    images: tuple[ImageInput, ...] = ()
    bot_type: BotType | None = None
    account_filter: AccountFilter | None = None
    notify_hook: str | None = None
    state: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """A button press on a finished task (`/submit/action`, `/change`, `/simple-change`, video)."""

    task_id: str
    custom_id: str
    enable_remix: bool = False
    choose_same_channel: bool = False
    notify_hook: str | None = None
    state: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModalRequest:
    """The confirmation of a task waiting in MODAL; a blank prompt keeps the suggested one."""

    task_id: str
    prompt: str = ""
    mask: ImageInput | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A stored task. `queue_position` is None when it got a slot at once, else tasks ahead.

    `needs_modal` means the task waits in MODAL for `/submit/modal` and was not queued.
    """

    task: Task
    queue_position: int | None = None
    needs_modal: bool = False
