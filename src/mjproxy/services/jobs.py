"""Build the `Job` an engine receives from what the store holds about a task.

Everything a job needs is persisted with the task, so a queued task started after a restart
gets the same job it would have got before. Two facts that are not task fields live in the
task's `engine_state` under the keys below; engines only read them.
"""

from __future__ import annotations

from typing import Any

from mjproxy.domain.account import Account
from mjproxy.domain.custom_ids import parse_custom_id
from mjproxy.domain.prompt import with_speed_mode
from mjproxy.domain.task import Task, TaskAction
from mjproxy.engines.base import Job
from mjproxy.store.base import TaskRepository

OPTIONS_KEY = "request.options"
"""Submission choices that are not task fields (`Job.options`)."""

MODAL_PROMPT_KEY = "request.modal_prompt"
"""The prompt confirmed through a modal, or chosen for a remix auto-submit (`Job.modal_prompt`)."""

MASK_ROLE = "mask"

# Actions whose prompt becomes a Midjourney job, so it must name the scheduler's mode.
_PROMPT_JOBS = frozenset({TaskAction.IMAGINE, TaskAction.VIDEO})


def options_of(task: Task) -> dict[str, Any]:
    value = task.engine_state.get(OPTIONS_KEY)
    return dict(value) if isinstance(value, dict) else {}


async def build_job(task: Task, account: Account, store: TaskRepository) -> Job:
    """Load the task's inputs and parent and assemble its job for `account`."""
    inputs = await store.load_inputs(task.id)
    parent = await store.get(task.parent_id) if task.parent_id else None
    modal_prompt = task.engine_state.get(MODAL_PROMPT_KEY)
    if not isinstance(modal_prompt, str):
        modal_prompt = None
    prompt = task.prompt_en or task.prompt
    if task.mode is not None:
        prompt = with_speed_mode(prompt, task.mode) if task.action in _PROMPT_JOBS else prompt
        modal_prompt = with_speed_mode(modal_prompt, task.mode) if modal_prompt else None
    return Job(
        task=task,
        account=account,
        images=[image for image in inputs if image.role != MASK_ROLE],
        parent=parent,
        button=parse_custom_id(task.custom_id) if task.custom_id else None,
        modal_prompt=modal_prompt,
        mask=next((image for image in inputs if image.role == MASK_ROLE), None),
        options=options_of(task),
        prompt=prompt if task.action in _PROMPT_JOBS else None,
    )
