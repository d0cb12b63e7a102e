"""A job's life on Discord (reference §6.5): admission by plan, the "(Waiting to start)" message,
progress edits with previews, the result as a new message, and the progress message deleted.
"""

from __future__ import annotations

import asyncio

from mjproxy.sandbox.accounts import Mode
from mjproxy.sandbox.bot import layouts
from mjproxy.sandbox.bot.checks import MID_JOB, Checks, Outcome, Scenario
from mjproxy.sandbox.bot.components import Bindings, render, restyle
from mjproxy.sandbox.bot.compose import bot_message
from mjproxy.sandbox.bot.content import Stage, job_content
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job, JobKind, JobStatus, Layout
from mjproxy.sandbox.bot.layouts import Row
from mjproxy.sandbox.bot.outputs import Outputs
from mjproxy.sandbox.bot.prompts import model_family, parse_prompt
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.bot.scheduler import Admission
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import (
    ButtonStyle,
    InteractionType,
    JsonObject,
    MessageFlag,
    MessageType,
)


class JobFlow:
    def __init__(self, ctx: BotContext, replies: Replies, outputs: Outputs, checks: Checks) -> None:
        self._ctx = ctx
        self._replies = replies
        self._outputs = outputs
        self._checks = checks

    async def launch(
        self, ix: Interaction, job: Job, *, raw_prompt: str | None = None, acknowledge: bool = True
    ) -> None:
        """Vet the command behind `job` (flags, scenarios, prompt), then run it or say why not."""
        prompt = job.prompt if raw_prompt is None else raw_prompt
        parsed = parse_prompt(prompt)
        verdict = self._checks.vet(ix, prompt=prompt, parsed=parsed, mode=job.mode)
        outcome = await self._checks.enforce(
            ix, verdict, reference=job.source, acknowledge=acknowledge
        )
        if outcome == Outcome.STOP:
            return
        if verdict.scenario in MID_JOB:
            job.scenario = verdict.scenario
        await self.run(ix, job, acknowledge=acknowledge and outcome == Outcome.PROCEED)

    async def launch_instant(self, ix: Interaction, job: Job) -> None:
        """Like `launch` for U1–U4 and video picks, which only check the account's standing."""
        verdict = self._checks.vet(ix, prompt="", parsed=None, mode=None, account_only=True)
        outcome = await self._checks.enforce(ix, verdict, reference=job.source)
        if outcome != Outcome.STOP:
            await self.instant(ix, job, acknowledge=outcome == Outcome.PROCEED)

    async def run(self, ix: Interaction, job: Job, *, acknowledge: bool = True) -> None:
        """Admit `job` under its plan's limits and run it to the end."""
        scheduler = self._ctx.scheduler
        admission = scheduler.admit(job.account, job.mode)
        if admission == Admission.FULL:
            await self._replies.embed(
                ix, "queue_full", reference=job.source, acknowledge=acknowledge
            )
            return
        self._ctx.jobs.add(job)
        queued = admission == Admission.QUEUED
        if queued:
            await self._replies.embed(
                ix,
                "job_queued",
                fields={"prompt": job.prompt},
                reference=job.source,
                acknowledge=acknowledge,
            )
            acknowledge = False
            await scheduler.wait_for_slot(job.account, job.mode)
        async with scheduler.holding(job.account, job.mode):
            await self._progress(ix, job, acknowledge=acknowledge, queued=queued)

    async def _progress(
        self, ix: Interaction, job: Job, *, acknowledge: bool, queued: bool
    ) -> None:
        self._ctx.jobs.set_status(job, JobStatus.RUNNING)
        start = await self._start_message(ix, job, acknowledge=acknowledge, queued=queued)
        job.progress_message = start
        timings = self._ctx.timings
        percents = (
            timings.upscale_percents if job.kind == JobKind.UPSCALE else timings.progress_percents
        )
        midpoint = len(percents) // 2
        for step, percent in enumerate(percents):
            await self._wait_step(job, steps=len(percents))
            if job.cancelled.is_set() or (job.scenario == Scenario.STOPPED and step == midpoint):
                content = job_content(job, Stage.STOPPED, self._ctx.switches)
                self._ctx.messages.update(start, {"content": content})
                self._ctx.jobs.set_status(job, JobStatus.STOPPED)
                return
            if job.scenario == Scenario.MODERATED and step == midpoint:
                self._ctx.messages.delete(start)
                self._ctx.jobs.set_status(job, JobStatus.FAILED)
                return
            attachments = await self._outputs.preview(job, percent, step)
            content = job_content(job, Stage.PROGRESS, self._ctx.switches, percent=percent)
            self._ctx.messages.update(start, {"content": content, "attachments": attachments})
        await self._finish(job)

    async def _start_message(
        self, ix: Interaction, job: Job, *, acknowledge: bool, queued: bool
    ) -> StoredMessage:
        switches = self._ctx.switches
        slash = ix.type == InteractionType.APPLICATION_COMMAND
        ephemeral = not slash and switches.button_start_ephemeral
        components: list[JsonObject] = []
        actions: Bindings = {}
        if ephemeral:
            components, actions = render(
                (layouts.CANCEL_ROW,), fields={"uuid": job.uuid}, job_uuid=job.uuid
            )
        data = self._replies.compose(
            ix,
            content=job_content(job, Stage.WAITING, switches),
            flags=int(MessageFlag.EPHEMERAL) if ephemeral else 0,
            with_nonce=slash or switches.button_start_nonce,
            reference=job.source,
            components=components,
        )
        if queued:
            await self._ctx.clock.sleep(self._ctx.timings.queued_wait_s)
            return self._replies.post(ix, data, actions=actions, job_uuid=job.uuid)
        return await self._replies.respond(
            ix,
            lambda: self._replies.post(ix, data, actions=actions, job_uuid=job.uuid),
            acknowledge=acknowledge,
        )

    async def _wait_step(self, job: Job, *, steps: int) -> None:
        """One progress interval for the job's mode (or a `steps`-th of the fixed job time),
        cut short by a Cancel Job press."""
        try:
            async with asyncio.timeout(self._step_s(job, steps)):
                await job.cancelled.wait()
        except TimeoutError:
            pass

    def _step_s(self, job: Job, steps: int) -> float:
        """Real seconds of one progress step."""
        fixed = self._ctx.config.job_time_s
        if fixed is not None:
            return fixed / max(1, steps)
        timings = self._ctx.timings
        step_s = {
            Mode.FAST: timings.step_fast_s,
            Mode.RELAX: timings.step_relax_s,
            Mode.TURBO: timings.step_turbo_s,
        }[job.mode]
        if job.spec.video:
            step_s = timings.step_video_s
        return self._ctx.clock.scaled(step_s)

    async def _finish(self, job: Job) -> None:
        attachment = await self._outputs.result(job)
        components, actions = render(self.rows(job), fields={"uuid": job.uuid}, job_uuid=job.uuid)
        data = bot_message(
            self._ctx.ids.snowflake(),
            bot=job.bot,
            channel=job.channel,
            interaction=job.interaction,
            content=job_content(job, Stage.DONE, self._ctx.switches),
            kind=MessageType.DEFAULT,
            reference=job.source,
            components=components,
            attachments=[attachment],
        )
        job.result_message = self._ctx.messages.create(
            job.channel, data, actions=actions, job_uuid=job.uuid
        )
        self._charge(job)
        self._ctx.jobs.set_status(job, JobStatus.SUCCEEDED)
        await self._ctx.clock.sleep(self._ctx.timings.delete_after_result_s)
        if job.progress_message is not None:
            self._ctx.messages.delete(job.progress_message)

    async def instant(self, ix: Interaction, job: Job, *, acknowledge: bool = True) -> None:
        """U1–U4 (and video picks): no progress, the picked image answers the click."""
        self._ctx.jobs.add(job)
        self._ctx.jobs.set_status(job, JobStatus.RUNNING)
        attachment = await self._outputs.result(job)
        components, actions = render(self.rows(job), fields={"uuid": job.uuid}, job_uuid=job.uuid)
        data = self._replies.compose(
            ix,
            content=job_content(job, Stage.DONE, self._ctx.switches),
            with_nonce=self._ctx.switches.button_start_nonce,
            reference=job.source,
            components=components,
            attachments=[attachment],
        )
        job.result_message = await self._replies.respond(
            ix,
            lambda: self._replies.post(ix, data, actions=actions, job_uuid=job.uuid),
            delay_s=self._ctx.timings.pick_upscale_s,
            acknowledge=acknowledge,
        )
        self._charge(job)
        self._ctx.jobs.set_status(job, JobStatus.SUCCEEDED)
        source = ix.message
        if self._ctx.switches.mark_pressed_upscale and source is not None:
            pressed = restyle(
                source.data.get("components") or [], ix.custom_id, ButtonStyle.PRIMARY
            )
            self._ctx.messages.update(source, {"components": pressed})

    @staticmethod
    def rows(job: Job) -> tuple[Row, ...]:
        layout = job.spec.layout
        if layout == Layout.GRID:
            return layouts.GRID
        if layout == Layout.SOLO:
            return layouts.solo_rows(model_family(job.model))
        if layout == Layout.UPSCALED:
            return layouts.UPSCALED
        if layout == Layout.VIDEO_GRID:
            return layouts.VIDEO_GRID
        return layouts.VIDEO_SOLO

    @staticmethod
    def _charge(job: Job) -> None:
        account = job.account
        images = 4 if job.spec.layout in (Layout.GRID, Layout.VIDEO_GRID) else 1
        account.lifetime_images += images
        if job.mode == Mode.RELAX:
            account.relaxed_images += images
            return
        factor = 2 if job.mode == Mode.TURBO else 1
        account.fast_time_s = max(0.0, account.fast_time_s - job.spec.gpu_minutes * 60 * factor)
