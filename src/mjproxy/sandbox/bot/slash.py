"""Slash commands: imagine, blend, describe, shorten, info, settings, modes, prefer, show."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from mjproxy.sandbox.accounts import Mode
from mjproxy.sandbox.bot import formats
from mjproxy.sandbox.bot.checks import Checks, Outcome
from mjproxy.sandbox.bot.components import render
from mjproxy.sandbox.bot.content import Stage, job_content
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.factory import JobFactory
from mjproxy.sandbox.bot.flow import JobFlow
from mjproxy.sandbox.bot.jobs import JobKind
from mjproxy.sandbox.bot.outputs import Outputs
from mjproxy.sandbox.bot.prompts import parse_prompt
from mjproxy.sandbox.bot.readers import Readers
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.bot.settings import SettingsPanel
from mjproxy.sandbox.images import image_size
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import JsonObject, MessageFlag

_BLEND_IMAGES = ("image1", "image2", "image3", "image4", "image5")


class SlashCommands:
    def __init__(
        self,
        ctx: BotContext,
        *,
        replies: Replies,
        checks: Checks,
        flow: JobFlow,
        factory: JobFactory,
        outputs: Outputs,
        readers: Readers,
        settings: SettingsPanel,
    ) -> None:
        self._ctx = ctx
        self._replies = replies
        self._checks = checks
        self._flow = flow
        self._factory = factory
        self._outputs = outputs
        self._readers = readers
        self._settings = settings
        self._handlers: dict[str, Callable[[Interaction], Awaitable[None]]] = {
            "imagine": self.imagine,
            "blend": self.blend,
            "describe": self.guarded(readers.describe),
            "shorten": self.guarded(readers.shorten),
            "info": self.info,
            "settings": settings.open,
            "fast": self.switch_mode,
            "relax": self.switch_mode,
            "turbo": self.switch_mode,
            "prefer": self.prefer,
            "show": self.show,
        }

    async def handle(self, ix: Interaction) -> None:
        assert ix.command is not None
        await self._handlers[ix.command.name](ix)

    def guarded(
        self, handler: Callable[[Interaction], Awaitable[None]]
    ) -> Callable[[Interaction], Awaitable[None]]:
        """`handler`, run only if the account's standing allows it."""

        async def run(ix: Interaction) -> None:
            verdict = self._checks.vet(ix, prompt="", parsed=None, mode=None, account_only=True)
            if await self._checks.enforce(ix, verdict) != Outcome.STOP:
                await handler(ix)

        return run

    async def imagine(self, ix: Interaction) -> None:
        prompt = str(ix.option("prompt") or "")
        # `--video` turns an imagine into a video job (reference §3.3 and §3.8, video row).
        kind = JobKind.ANIMATE if "video" in parse_prompt(prompt).parameters else JobKind.IMAGINE
        job = self._factory.create(ix, kind, prompt=prompt)
        await self._flow.launch(ix, job, raw_prompt=prompt)

    async def blend(self, ix: Interaction) -> None:
        uploads = [ix.attachments[name] for name in _BLEND_IMAGES if name in ix.attachments]
        contents = [u.data or b"" for u in uploads]
        if len(set(contents)) < len(contents):
            await self._replies.embed(ix, "duplicate_images")
            return
        sizes = [await asyncio.to_thread(image_size, data) for data in contents]
        if len(uploads) < 2 or any(size is None for size in sizes):
            await self._replies.embed(ix, "invalid_image")
            return
        urls = [
            self._ctx.cdn.put(ix.channel.id, u.filename, data, "image/png", size=size)["url"]
            for u, data, size in zip(uploads, contents, sizes, strict=True)
        ]
        dimensions = ix.option("dimensions")
        prompt = " ".join([*map(str, urls), *([str(dimensions)] if dimensions else [])])
        job = self._factory.create(ix, JobKind.BLEND, prompt=prompt)
        await self._flow.launch(ix, job, raw_prompt=prompt)

    async def info(self, ix: Interaction) -> None:
        """A "thinking" ephemeral reply, then the same message edited into the info embed."""
        flags = int(MessageFlag.EPHEMERAL | MessageFlag.LOADING)
        data = self._replies.compose(ix, flags=flags)
        start = await self._replies.respond(ix, lambda: self._replies.post(ix, data))
        await self._ctx.clock.sleep(self._ctx.timings.info_s)
        changes = {"flags": int(MessageFlag.EPHEMERAL), "embeds": [self._info_embed(ix)]}
        self._ctx.messages.update(start, changes)

    def _info_embed(self, ix: Interaction) -> JsonObject:
        account = ix.account
        scheduler = self._ctx.scheduler
        total_h = account.limits.fast_hours
        left_h = account.fast_time_s / 3600
        running = [j for j in self._ctx.jobs.of_user(account.user_id) if j.status == "running"]
        values = {
            "plan": account.limits.title,
            "renews": int(time.time()) + 30 * 86400,
            "job_mode": account.settings.mode.value.capitalize(),
            "visibility": "Stealth" if account.settings.stealth else "Public",
            "fast_left": left_h,
            "fast_total": total_h,
            "fast_percent": 100 * left_h / total_h if total_h else 0.0,
            "lifetime": account.lifetime_images,
            "lifetime_hours": account.lifetime_images / 60,
            "relaxed": account.relaxed_images,
            "relaxed_hours": account.relaxed_images / 60,
            "queued_fast": scheduler.queued(account, Mode.FAST),
            "queued_relax": scheduler.queued(account, Mode.RELAX),
            "running": ", ".join(j.uuid for j in running) or "None",
        }
        return {
            "type": "rich",
            "title": formats.INFO_TITLE.format(username=account.user.username),
            "description": "\n".join(line.format(**values) for line in formats.INFO_LINES),
            "color": formats.COLOR_INFO,
        }

    async def switch_mode(self, ix: Interaction) -> None:
        assert ix.command is not None
        mode = Mode(ix.command.name)
        if mode == Mode.RELAX and ix.account.limits.relax_concurrency == 0:
            await self._replies.embed(ix, "relax_unavailable")
            return
        ix.account.settings.mode = mode
        await self._ephemeral_text(ix, formats.REPLIES[mode.value])

    async def prefer(self, ix: Interaction) -> None:
        settings = ix.account.settings
        settings.remix = not settings.remix
        await self._ephemeral_text(
            ix, formats.REPLIES["remix_on" if settings.remix else "remix_off"]
        )

    async def _ephemeral_text(self, ix: Interaction, text: str) -> None:
        data = self._replies.compose(ix, content=text, flags=int(MessageFlag.EPHEMERAL))
        await self._replies.respond(ix, lambda: self._replies.post(ix, data))

    async def show(self, ix: Interaction) -> None:
        """Post a finished job again (DMs allowed), with its buttons: the seed flow starts here."""
        job_id = str(ix.option("job_id") or "").strip()
        job = self._ctx.jobs.get(job_id)
        if job is None or job.account is not ix.account or job.result_file is None:
            await self._replies.embed(ix, "job_not_found", fields={"job_id": job_id})
            return
        attachment = await self._outputs.repost(job, ix.channel)
        components, actions = render(
            self._flow.rows(job), fields={"uuid": job.uuid}, job_uuid=job.uuid
        )
        data = self._replies.compose(
            ix,
            content=job_content(job, Stage.DONE, self._ctx.switches),
            components=components,
            attachments=[attachment],
        )
        await self._replies.respond(
            ix, lambda: self._replies.post(ix, data, actions=actions, job_uuid=job.uuid)
        )
