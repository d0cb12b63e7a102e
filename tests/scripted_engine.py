"""A scripted engine for service and API tests: it records every job it is given, and the
test decides what upstream "does" — progress, success with buttons, failure.

It implements the `Engine` protocol and reports through the real sinks, so everything
after the engine seam (persistence, publishing, slots, timeouts) is the production code.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.errors import EngineError
from mjproxy.domain.task import Button, ImageInput, Mode, Task, TaskAction, TaskStatus, TaskUpdate
from mjproxy.engines.base import AccountEvent, EngineSinks, Job

WAIT_S = 10.0


def grid_buttons(job_hash: str) -> list[Button]:
    """The buttons Midjourney puts under a four-image grid."""
    buttons = [Button(f"MJ::JOB::upsample::{i}::{job_hash}", "", f"U{i}") for i in range(1, 5)]
    buttons.append(Button(f"MJ::JOB::reroll::0::{job_hash}::SOLO", "🔄", ""))
    buttons += [Button(f"MJ::JOB::variation::{i}::{job_hash}", "", f"V{i}") for i in range(1, 5)]
    return buttons


def upscale_buttons(job_hash: str) -> list[Button]:
    """The buttons under an upscaled single image (v6 era)."""
    return [
        Button(f"MJ::JOB::upsample_v6_2x_subtle::1::{job_hash}::SOLO", "", "Upscale (Subtle)"),
        Button(f"MJ::JOB::high_variation::1::{job_hash}::SOLO", "🪄", "Vary (Strong)"),
        Button(f"MJ::JOB::low_variation::1::{job_hash}::SOLO", "🪄", "Vary (Subtle)"),
        Button(f"MJ::Inpaint::1::{job_hash}::SOLO", "🖌️", "Vary (Region)"),
        Button(f"MJ::Outpaint::50::1::{job_hash}::SOLO", "🔍", "Zoom Out 2x"),
        Button(f"MJ::Outpaint::75::1::{job_hash}::SOLO", "🔍", "Zoom Out 1.5x"),
        Button(f"MJ::CustomZoom::{job_hash}", "🔍", "Custom Zoom"),
        Button(f"MJ::JOB::pan_left::1::{job_hash}::SOLO", "⬅️", ""),
        Button(f"MJ::JOB::animate_high::1::{job_hash}::SOLO", "🎞️", "Animate (High motion)"),
        Button(f"MJ::BOOKMARK::{job_hash}", "❤️", ""),
    ]


class ScriptedEngine:
    """An `Engine` whose upstream is the test."""

    name = "scripted"

    def __init__(
        self, sinks: EngineSinks, *, unsupported: frozenset[TaskAction] = frozenset()
    ) -> None:
        self.sinks = sinks
        self.unsupported = unsupported
        self.jobs: dict[str, Job] = {}
        self.started: asyncio.Queue[Job] = asyncio.Queue()
        self.resumed: asyncio.Queue[Job] = asyncio.Queue()
        self.cancelled: list[str] = []
        self.opened: list[str] = []
        self.uploaded: list[list[ImageInput]] = []
        self.refuse_with: str | None = None
        self.refuse_resume_with: str | None = None
        self.crash_with: Exception | None = None
        self.hold_start: asyncio.Event | None = None
        self.ready_on_open = True
        self.seed = "3713209457"
        self.seed_requests: list[str] = []
        self.closed_accounts: list[str] = []
        self.syncs: list[str] = []
        self.modes_set: list[tuple[str, Mode]] = []
        self.mode_changes: asyncio.Queue[tuple[str, Mode]] = asyncio.Queue()
        self.facts_on_sync: dict[str, MidjourneyFacts] = {}
        self.closed = False

    # Engine protocol ---------------------------------------------------------------------

    def supports(self, action: TaskAction, account: Account) -> bool:
        return action not in self.unsupported

    async def start(self, job: Job) -> None:
        if self.hold_start is not None:
            await self.hold_start.wait()
        if self.refuse_with is not None:
            raise EngineError(self.refuse_with)
        if self.crash_with is not None:
            raise self.crash_with
        self.jobs[job.task.id] = job
        await self.started.put(job)

    async def resume(self, job: Job) -> None:
        if self.refuse_resume_with is not None:
            raise EngineError(self.refuse_resume_with)
        self.jobs[job.task.id] = job
        await self.resumed.put(job)

    async def cancel(self, task: Task) -> None:
        self.cancelled.append(task.id)
        await self.sinks.updates(TaskUpdate(task.id, status=TaskStatus.CANCEL))

    async def open_account(self, account: Account) -> None:
        self.opened.append(account.id)
        if self.ready_on_open:
            await self.sinks.accounts(AccountEvent(account.id, state=AccountState.READY))

    async def close_account(self, account_id: str) -> None:
        self.closed_accounts.append(account_id)

    async def sync_account(self, account: Account) -> None:
        self.syncs.append(account.id)
        facts = self.facts_on_sync.get(account.id)
        if facts is not None:
            await self.sinks.accounts(AccountEvent(account.id, facts=facts))

    async def set_mode(self, account: Account, mode: Mode) -> None:
        self.modes_set.append((account.id, mode))
        await self.mode_changes.put((account.id, mode))

    async def upload_images(self, account: Account, images: Sequence[ImageInput]) -> list[str]:
        self.uploaded.append(list(images))
        return [
            f"https://cdn.example.test/{account.id}/{i}.{img.extension}"
            for i, img in enumerate(images)
        ]

    async def fetch_seed(self, task: Task, account: Account) -> str:
        self.seed_requests.append(task.id)
        return self.seed

    async def aclose(self) -> None:
        self.closed = True

    # What the test makes upstream do ---------------------------------------------------------

    async def next_job(self) -> Job:
        async with asyncio.timeout(WAIT_S):
            return await self.started.get()

    async def progress(self, task_id: str, percent: int, *, image_url: str | None = None) -> None:
        await self.sinks.updates(
            TaskUpdate(
                task_id, status=TaskStatus.IN_PROGRESS, progress=percent, image_url=image_url
            )
        )

    async def succeed(
        self,
        task_id: str,
        *,
        buttons: list[Button] | None = None,
        job_hash: str | None = None,
        final_prompt: str | None = None,
        image_url: str | None = None,
    ) -> str:
        """Finish the task with a grid result; returns the job hash used in its buttons."""
        job_hash = job_hash or str(uuid.uuid4())
        await self.sinks.updates(
            TaskUpdate(
                task_id,
                status=TaskStatus.SUCCESS,
                image_url=image_url or f"https://cdn.example.test/{job_hash}.png",
                buttons=grid_buttons(job_hash) if buttons is None else buttons,
                message_id=str(1_200_000_000_000_000_000 + int(task_id) % 1_000_000),
                message_hash=job_hash,
                message_flags=0,
                final_prompt=final_prompt,
            )
        )
        return job_hash

    async def fail(self, task_id: str, reason: str) -> None:
        await self.sinks.updates(TaskUpdate(task_id, status=TaskStatus.FAILURE, fail_reason=reason))
