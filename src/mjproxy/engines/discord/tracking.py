"""One in-flight task as the Discord engine follows it, and what each event means for it.

A `TrackedTask` holds every key that can tie an event to the task (nonces, interaction
ids, message ids, job hash, reply target, prompt). `handle` turns a routed event into a
`Reaction`: task updates to report, and follow-ups the account runtime must perform
(submit a modal, submit an inpaint mask, watch a deleted message). It does no I/O, so
every branch is tested without a socket; its keys round-trip through `engine_state`
so a restarted engine can re-attach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mjproxy.domain.task import Task, TaskAction, TaskStatus, TaskUpdate
from mjproxy.engines.discord import formats
from mjproxy.engines.discord.events import (
    DescribeResult,
    FailedText,
    GatewayEvent,
    IframeModalOpened,
    ImageMessage,
    InteractionEvent,
    InteractionPhase,
    JobMessage,
    JobStage,
    MessageDeleted,
    ModalOpened,
    Notice,
    OtherMessage,
    ShortenResult,
)
from mjproxy.engines.discord.formats import JobKind, NoticeEffect

_PARAMS_TAIL = re.compile(r"\s+--[a-z].*$", re.IGNORECASE | re.DOTALL)
_LINKS = re.compile(r"<?https?://\S+?>?(?=\s|$)")
_SPACE = re.compile(r"\s+")


def prompt_key(prompt: str) -> str:
    """The comparable core of a prompt: no parameters, links as `<link>`, no whitespace.

    Midjourney echoes prompts with links shortened and default parameters added, so only
    this core survives the round trip (novicezk's "primary prompt").
    """
    core = _PARAMS_TAIL.sub("", prompt.strip())
    core = _LINKS.sub("<link>", core)
    return _SPACE.sub("", core).lower()


@dataclass(frozen=True, slots=True)
class ModalSubmit:
    interaction_id: str
    custom_id: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class IframeSubmit:
    custom_id: str


@dataclass(slots=True)
class Reaction:
    """What the runtime must do after an event: report updates, maybe act upstream."""

    updates: list[TaskUpdate] = field(default_factory=list)
    modal: ModalSubmit | None = None
    iframe: IframeSubmit | None = None
    watch_deletion: bool = False
    done: bool = False


@dataclass(slots=True)
class TrackedTask:
    task_id: str
    action: TaskAction
    channel_id: str
    application_id: str = ""
    prompt: str = ""
    index: int | None = None
    parent_message_id: str | None = None
    nonces: list[str] = field(default_factory=list)
    interaction_ids: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    job_hash: str | None = None
    modal_prompt: str | None = None
    seen_message: bool = False
    submitted_ms: int = 0
    done: bool = False
    order: int = 0

    @property
    def has_heard_back(self) -> bool:
        """Whether Discord ever answered: an interaction or a message is known."""
        return self.seen_message or bool(self.interaction_ids or self.message_ids)

    @property
    def prompt_key(self) -> str:
        return prompt_key(self.prompt)

    @property
    def job_kinds(self) -> frozenset[JobKind]:
        return formats.ACTION_JOB_KINDS.get(self.action, frozenset())

    def to_state(self) -> dict[str, Any]:
        """The keys to persist in `task.engine_state` for re-attaching after a restart."""
        return {
            "channel_id": self.channel_id,
            "application_id": self.application_id,
            "prompt": self.prompt,
            "index": self.index,
            "parent_message_id": self.parent_message_id,
            "nonces": list(self.nonces),
            "interaction_ids": list(self.interaction_ids),
            "message_ids": list(self.message_ids),
            "job_hash": self.job_hash,
            "modal_prompt": self.modal_prompt,
            "seen_message": self.seen_message,
            "submitted_ms": self.submitted_ms,
        }

    @classmethod
    def from_task(cls, task: Task) -> TrackedTask:
        """Rebuild the tracking of `task` from its persisted `engine_state`."""
        state = task.engine_state
        return cls(
            task_id=task.id,
            action=task.action,
            channel_id=str(state.get("channel_id", "")),
            application_id=str(state.get("application_id", "")),
            prompt=str(state.get("prompt", "")),
            index=state.get("index"),
            parent_message_id=state.get("parent_message_id"),
            nonces=[str(n) for n in state.get("nonces", [])],
            interaction_ids=[str(i) for i in state.get("interaction_ids", [])],
            message_ids=[str(m) for m in state.get("message_ids", [])],
            job_hash=state.get("job_hash") or task.message_hash,
            modal_prompt=state.get("modal_prompt"),
            seen_message=bool(state.get("seen_message", False)),
            submitted_ms=int(
                state.get("submitted_ms") or task.start_time_ms or task.submit_time_ms
            ),
        )

    def handle(self, event: GatewayEvent) -> Reaction:
        """What `event` (already routed to this task) means for it."""
        if self.done:
            return Reaction()
        reaction = self._dispatch(event)
        if reaction.done:
            self.done = True
        return reaction

    def _dispatch(self, event: GatewayEvent) -> Reaction:
        if isinstance(event, JobMessage):
            return self._on_job(event)
        if isinstance(event, InteractionEvent):
            return self._on_interaction(event)
        if isinstance(event, ModalOpened):
            return self._on_modal(event)
        if isinstance(event, IframeModalOpened):
            return self._on_iframe(event)
        if isinstance(event, Notice):
            return self._on_notice(event)
        if isinstance(event, FailedText):
            return self._fail(event.text)
        if isinstance(event, DescribeResult | ShortenResult):
            return self._on_text_result(event)
        if isinstance(event, OtherMessage | ImageMessage):
            return self._on_start_like(event.envelope.message_id)
        if isinstance(event, MessageDeleted):
            return Reaction(watch_deletion=not self.done)
        return Reaction()

    def _on_job(self, event: JobMessage) -> Reaction:
        self._learn_message(event.envelope.message_id, event.envelope.interaction_id)
        if event.stage is JobStage.STOPPED:
            return self._fail("Midjourney stopped the job before it finished (Stopped).")
        if event.stage is JobStage.RESULT:
            return self._succeed(event)
        if event.job_hash and self.action is not TaskAction.UPSCALE:
            self.job_hash = event.job_hash
        update = TaskUpdate(
            task_id=self.task_id,
            status=TaskStatus.IN_PROGRESS,
            progress=event.percent if event.percent is not None else 0,
            image_url=event.image_url,
            final_prompt=event.prompt or None,
            progress_message_id=self.message_ids[0] if self.message_ids else None,
            engine_state=self.to_state(),
        )
        return Reaction(updates=[update])

    def _succeed(self, event: JobMessage) -> Reaction:
        job_hash = event.job_hash or self.job_hash
        update = TaskUpdate(
            task_id=self.task_id,
            status=TaskStatus.SUCCESS,
            progress=100,
            image_url=event.image_url,
            image_urls=[event.image_url] if event.image_url else None,
            video_url=event.video_url,
            video_urls=[event.video_url] if event.video_url else None,
            buttons=list(event.buttons),
            final_prompt=event.prompt,
            message_id=event.envelope.message_id,
            message_hash=job_hash,
            message_flags=event.envelope.flags,
            properties={"messageContentMode": event.mode} if event.mode else None,
            engine_state=self.to_state() | {"job_hash": job_hash},
        )
        return Reaction(updates=[update], done=True)

    def _on_text_result(self, event: DescribeResult | ShortenResult) -> Reaction:
        text = "\n\n".join(event.prompts) if event.prompts else event.text
        image = event.image_url if isinstance(event, DescribeResult) else None
        update = TaskUpdate(
            task_id=self.task_id,
            status=TaskStatus.SUCCESS,
            progress=100,
            prompt_en=text if isinstance(event, DescribeResult) else None,
            image_url=image,
            buttons=list(event.buttons),
            final_prompt=text,
            message_id=event.envelope.message_id,
            message_flags=event.envelope.flags,
            properties={"prompts": list(event.prompts)},
            engine_state=self.to_state(),
        )
        return Reaction(updates=[update], done=True)

    def _on_start_like(self, message_id: str) -> Reaction:
        first = not self.seen_message
        self._learn_message(message_id, None)
        if not first:
            return Reaction()
        update = TaskUpdate(
            task_id=self.task_id,
            status=TaskStatus.IN_PROGRESS,
            progress=0,
            progress_message_id=message_id,
            engine_state=self.to_state(),
        )
        return Reaction(updates=[update])

    def _on_interaction(self, event: InteractionEvent) -> Reaction:
        self.learn_interaction(event.interaction_id)
        if event.phase is not InteractionPhase.FAILED or self.seen_message:
            return Reaction()
        reason = {1: "unknown error", 2: "timed out"}.get(event.reason_code or 0, "failed")
        return self._fail(
            f"Midjourney did not accept the interaction ({reason}, "
            f"reason code {event.reason_code}); Discord shows 'This interaction failed'."
        )

    def _on_modal(self, event: ModalOpened) -> Reaction:
        self.learn_interaction(event.interaction_id)
        values = tuple(
            (item.custom_id, self._modal_value(item.custom_id, item.value, len(event.inputs)))
            for item in event.inputs
        )
        return Reaction(modal=ModalSubmit(event.interaction_id, event.custom_id, values))

    def _modal_value(self, custom_id: str, prefilled: str, count: int) -> str:
        is_prompt = custom_id in formats.MODAL_PROMPT_INPUTS or count == 1
        if is_prompt and self.modal_prompt:
            return self.modal_prompt
        return prefilled

    def _on_iframe(self, event: IframeModalOpened) -> Reaction:
        self.learn_interaction(event.interaction_id)
        if event.is_captcha:
            return self._fail(
                f"[{event.title or 'Action required to continue'}] Midjourney asks for a captcha "
                f"({event.iframe_path}); the account is quarantined until someone solves it."
            )
        return Reaction(iframe=IframeSubmit(event.custom_id))

    def _on_notice(self, event: Notice) -> Reaction:
        if event.effect is NoticeEffect.WAIT:
            self._learn_message(event.envelope.message_id, event.envelope.interaction_id)
            if event.kind is formats.NoticeKind.JOB_QUEUED:
                update = TaskUpdate(task_id=self.task_id, description=event.reason)
                return Reaction(updates=[update])
            return Reaction()
        return self._fail(event.reason)

    def _fail(self, reason: str) -> Reaction:
        update = TaskUpdate(
            task_id=self.task_id,
            status=TaskStatus.FAILURE,
            fail_reason=reason,
            engine_state=self.to_state(),
        )
        return Reaction(updates=[update], done=True)

    def learn_interaction(self, interaction_id: str | None) -> None:
        if interaction_id and interaction_id not in self.interaction_ids:
            self.interaction_ids.append(interaction_id)

    def _learn_message(self, message_id: str, interaction_id: str | None) -> None:
        self.seen_message = True
        if message_id and message_id not in self.message_ids:
            self.message_ids.append(message_id)
        self.learn_interaction(interaction_id)
