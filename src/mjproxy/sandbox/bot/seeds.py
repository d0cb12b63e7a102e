"""The seed DM: ✉️ on a job's message makes the bot DM `**prompt**\\n**Job ID**: …\\n**seed** …`."""

from __future__ import annotations

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.bot.compose import bot_message
from mjproxy.sandbox.bot.content import seed_content
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job
from mjproxy.sandbox.entities import StoredMessage

ENVELOPES = frozenset({"✉️", "✉"})


class SeedMail:
    def __init__(self, ctx: BotContext) -> None:
        self._ctx = ctx

    def react(self, account: Account, message: StoredMessage, emoji: str) -> None:
        """Answer an envelope reaction on one of the account's own finished jobs."""
        if emoji not in ENVELOPES or message.job_uuid is None:
            return
        job = self._ctx.jobs.get(message.job_uuid)
        if job is None or job.account is not account or job.result_file is None:
            return
        self._ctx.tasks.spawn(self._send(job), name=f"seed-{job.uuid}")

    async def _send(self, job: Job) -> None:
        await self._ctx.clock.sleep(self._ctx.timings.seed_dm_s)
        channel_id = job.account.dm_channel_ids[job.bot.application_id]
        channel = self._ctx.world.channels[channel_id]
        data = bot_message(
            self._ctx.ids.snowflake(),
            bot=job.bot,
            channel=channel,
            interaction=None,
            content=seed_content(job),
        )
        self._ctx.messages.create(channel, data)
