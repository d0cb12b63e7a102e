"""One Discord account at work: its gateway, REST client, router and tasks in flight.

The runtime reacts to events; nothing waits "until a message arrives" while holding a
slot. Gateway dispatches are parsed and queued; one consumer routes each to its task,
reports the task updates, and starts follow-ups (modal submits, inpaint masks, seed
reactions) as their own tasks. Account-level signals (captcha, credits, bans, /info)
go to the account sink whatever task they concern.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from typing import Any

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.errors import EngineError, StaleCommand
from mjproxy.domain.task import (
    BotType,
    ImageInput,
    Mode,
    Task,
    TaskAction,
    TaskStatus,
    TaskUpdate,
)
from mjproxy.engines.base import AccountEvent, EngineSinks, Job
from mjproxy.engines.discord import formats, interactions
from mjproxy.engines.discord.actions import Sender, application_id, plan_job, upload_to_cdn
from mjproxy.engines.discord.backoff import Backoff
from mjproxy.engines.discord.commands import CommandIndex
from mjproxy.engines.discord.formats import NoticeEffect
from mjproxy.engines.discord.messages import parse_dispatch
from mjproxy.engines.discord.payloads import Ready
from mjproxy.engines.discord.pipeline import BOT_IDS, EventPipeline
from mjproxy.engines.discord.rest import DiscordRest
from mjproxy.engines.discord.router import MessageRouter
from mjproxy.engines.discord.seeds import SeedRequests
from mjproxy.engines.discord.settings import DiscordSettings
from mjproxy.engines.discord.signals import AccountSignals
from mjproxy.engines.discord.supervisor import GatewaySupervisor
from mjproxy.engines.discord.tracking import TrackedTask

logger = logging.getLogger(__name__)

_ACCOUNT_STATES = {
    NoticeEffect.QUARANTINE: AccountState.QUARANTINED,
    NoticeEffect.DISABLE: AccountState.DISABLED,
}


class AccountRuntime:
    def __init__(
        self,
        *,
        account: Account,
        settings: DiscordSettings,
        sinks: EngineSinks,
        nonces: interactions.NonceFactory,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.account = account
        self.channel_id = account.channel_id
        self.guild_id: str | None = account.guild_id or None
        self.settings = settings
        self.rest = DiscordRest(
            account_id=account.id,
            token=account.user_token,
            user_agent=account.user_agent,
            endpoints=settings.endpoints,
            timeout_s=settings.rest_timeout_s,
            max_rate_limit_wait_s=settings.max_rate_limit_wait_s,
            ssl_context=ssl_context,
        )
        self.commands = CommandIndex(self._load_index)
        self.router = MessageRouter()
        self.seeds = SeedRequests()
        self.supervisor = GatewaySupervisor(
            account_id=account.id,
            token=account.user_token,
            user_agent=account.user_agent,
            endpoints=settings.endpoints,
            options=settings.gateway,
            properties=settings.properties,
            on_dispatch=self._on_dispatch,
            on_ready=self._on_ready,
            on_health=self._on_health,
            backoff=Backoff(base_s=settings.backoff_base_s, cap_s=settings.backoff_cap_s),
        )
        self._sinks = sinks
        self._nonces = nonces
        captcha_base = settings.endpoints.iframe_base(
            formats.BOT_APPLICATION_IDS[BotType.MID_JOURNEY]
        )
        self.signals = AccountSignals(
            account_id=account.id,
            sink=sinks.accounts,
            facts=account.facts,
            link=lambda path: captcha_base + "/" + path.lstrip("/"),
        )
        self.events = EventPipeline(
            account_id=account.id,
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            rest=self.rest,
            router=self.router,
            signals=self.signals,
            seeds=self.seeds,
            sinks=sinks,
            settings=settings,
            nonces=nonces,
            session_id=lambda: self.supervisor.session.session_id or "",
        )
        self._dm_channels: dict[str, str] = {}

    async def run(self) -> None:
        """Run until cancelled or until Discord closes the gateway for good."""
        consumer = asyncio.create_task(
            self.events.consume(), name=f"discord-events-{self.account.id}"
        )
        try:
            await self.supervisor.run()
            reason = self.supervisor.last_outcome.reason if self.supervisor.last_outcome else ""
            await self.events.fail_all(f"The account {self.account.id} left the pool: {reason}.")
        finally:
            consumer.cancel()
            try:
                await asyncio.gather(consumer, return_exceptions=True)
                await self.events.aclose()
            finally:
                # Closed even when a cancel lands while events still drain, or its
                # pooled sockets would leak.
                await self.rest.aclose()

    # ---- jobs -------------------------------------------------------------------------

    async def start(self, job: Job) -> None:
        await self._wait_ready()
        if job.task.action is TaskAction.UPLOAD:
            await self._run_upload(job)
            return
        nonce = self._nonces.next()
        plan = await plan_job(self, job, nonce)
        if job.mask is not None:
            self.events.masks[job.task.id] = job.mask
        self.router.track(plan.tracked)
        try:
            # Persisted before anything reaches Discord: a server killed from here on
            # re-attaches to this nonce after its restart instead of sending a second job.
            await self.events.emit(
                TaskUpdate(
                    task_id=job.task.id,
                    status=TaskStatus.SUBMITTED,
                    nonce=nonce,
                    engine_state=plan.tracked.to_state(),
                    properties=self._task_properties(),
                )
            )
            await self._send(plan.send)
        except BaseException:
            self.router.forget(job.task.id)
            self.events.masks.pop(job.task.id, None)
            raise
        logger.info("%s task %s sent (%s)", self.account.id, job.task.id, job.task.action)
        if job.button is not None and (job.modal_prompt is not None or job.mask is not None):
            session = self.supervisor.session.session_id or ""
            self.events.awaiting_form[job.task.id] = (job, session)

    def _task_properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "discordChannelId": self.channel_id,
            "discordInstanceId": self.account.id,
        }
        if self.account.sandbox:
            properties["sandbox"] = True  # the result comes from the simulator, not Midjourney
        return properties

    async def resume(self, job: Job) -> None:
        """Follow a task sent before a restart again, from its persisted keys."""
        tracked = TrackedTask.from_task(job.task)
        if not tracked.nonces and not tracked.message_ids:
            raise EngineError(
                f"Task {job.task.id} has no Discord correlation data to re-attach to; it was "
                "sent by a server that did not persist it."
            )
        tracked.channel_id = tracked.channel_id or self.channel_id
        self.router.track(tracked)
        if job.mask is not None:
            self.events.masks[job.task.id] = job.mask
        if not tracked.has_heard_back:
            self.events.spawn(self._send_again(job, tracked))
        elif self.supervisor.ready.is_set():
            self.events.spawn(self.events.catch_up())

    async def _send_again(self, job: Job, tracked: TrackedTask) -> None:
        """A task persisted as sent that Discord never answered (the server stopped around
        the send): read the history, then send it again with its own nonce. Discord drops an
        interaction whose nonce it has seen (reference §2.3), so this starts the job only
        if the first send never arrived."""
        try:
            await self._wait_ready()
            await self.events.catch_up()
            if tracked.has_heard_back or tracked.done or self.router.get(tracked.task_id) is None:
                return
            plan = await plan_job(self, job, tracked.nonces[0])
            await self._send(plan.send)
            logger.info("%s task %s sent again after a restart", self.account.id, job.task.id)
        except EngineError as exc:
            await self.events.fail(tracked, f"Sending the task again after a restart failed: {exc}")

    async def cancel(self, task: Task) -> None:
        tracked = self.router.forget(task.id)
        job_hash = (tracked.job_hash if tracked else None) or task.message_hash
        progress_id = task.progress_message_id or (
            tracked.message_ids[0] if tracked and tracked.message_ids else None
        )
        if job_hash and progress_id and self.supervisor.ready.is_set():
            await self._press_cancel(task, job_hash, progress_id)
        await self.events.emit(
            TaskUpdate(task_id=task.id, status=TaskStatus.CANCEL, fail_reason=None)
        )

    async def _press_cancel(self, task: Task, job_hash: str, message_id: str) -> None:
        payload = interactions.component_click(
            application_id=application_id(task.bot_type),
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            message_id=message_id,
            message_flags=0,
            session_id=self.supervisor.session.session_id or "",
            nonce=self._nonces.next(),
            custom_id=f"MJ::CancelJob::ByJobid::{job_hash}",
        )
        try:
            await self.rest.interact(payload)
        except EngineError as exc:
            logger.warning(
                "%s task %s: Midjourney's cancel button failed: %s", self.account.id, task.id, exc
            )

    async def upload_images(self, images: Sequence[ImageInput]) -> list[str]:
        urls = await upload_to_cdn(self, images, self._nonces.next())
        return [self.settings.endpoints.rewrite_cdn(u) or u for u in urls]

    async def fetch_seed(self, task: Task) -> str:
        if not task.message_hash:
            raise EngineError(
                f"Task {task.id} has no Midjourney job id, so it has no seed to ask for."
            )
        await self._wait_ready()
        app_id = application_id(task.bot_type)
        dm = await self._dm_channel(app_id)
        waiter = self.seeds.expect(task.message_hash)
        try:
            command = await self.commands.get(app_id, "show")
            await self.rest.interact(
                interactions.slash_command(
                    command=command,
                    guild_id=None,
                    channel_id=dm,
                    session_id=self.supervisor.session.session_id or "",
                    nonce=self._nonces.next(),
                    options=[{"type": 3, "name": "job_id", "value": task.message_hash}],
                )
            )
            async with asyncio.timeout(self.settings.seed_timeout_s):
                return await waiter
        except TimeoutError:
            raise EngineError(
                f"Midjourney did not send the seed of job {task.message_hash} within "
                f"{self.settings.seed_timeout_s:.0f} s."
            ) from None
        finally:
            self.seeds.discard(task.message_hash)

    async def _run_upload(self, job: Job) -> None:
        urls = await self.upload_images(job.images)
        await self.events.emit(
            TaskUpdate(
                task_id=job.task.id,
                status=TaskStatus.SUCCESS,
                image_url=urls[0] if urls else None,
                image_urls=urls,
            )
        )

    async def _send(self, send: Sender) -> None:
        session_id = self.supervisor.session.session_id or ""
        try:
            await send(session_id)
        except StaleCommand:
            logger.warning(
                "%s command version outdated; refreshing the command index", self.account.id
            )
            await self.commands.refresh()
            await send(session_id)

    async def _wait_ready(self) -> None:
        try:
            async with asyncio.timeout(self.settings.ready_timeout_s):
                await self.supervisor.ready.wait()
        except TimeoutError:
            raise EngineError(
                f"The account {self.account.id} is not connected to Discord "
                f"(waited {self.settings.ready_timeout_s:.0f} s for its gateway)."
            ) from None

    async def _dm_channel(self, app_id: str) -> str:
        channel = self._dm_channels.get(app_id)
        if channel is None:
            channel = self._dm_channels[app_id] = await self.rest.open_dm(app_id)
        return channel

    async def _load_index(self) -> dict[str, Any]:
        return await self.rest.command_index(guild_id=self.guild_id, channel_id=self.channel_id)

    # ---- gateway callbacks -------------------------------------------------------------

    async def _on_dispatch(self, name: str, data: Any) -> None:
        event = parse_dispatch(name, data)
        if event is not None:
            self.events.put(event)

    async def _on_ready(self, ready: Ready | None) -> None:
        if ready is not None:
            self.router.user_id = self.signals.user_id = (ready.get("user") or {}).get("id")
            for channel in ready.get("private_channels", []) or []:
                for recipient in channel.get("recipient_ids", []) or []:
                    if recipient in BOT_IDS:
                        self._dm_channels[str(recipient)] = str(channel.get("id"))
            if len(self.router):
                self.events.spawn(self._after_new_session())

    async def _after_new_session(self) -> None:
        """Catch up from history, then press again the buttons whose form went to the old
        session: Discord sends INTERACTION_MODAL_CREATE and IFRAME_MODAL_CREATE only to the
        session named in the interaction, so it never reaches a new one."""
        await self.events.catch_up()
        session = self.supervisor.session.session_id or ""
        for task_id, (job, pressed_in) in list(self.events.awaiting_form.items()):
            tracked = self.router.get(task_id)
            if tracked is None or tracked.done or tracked.seen_message:
                self.events.awaiting_form.pop(task_id, None)
            elif pressed_in != session:
                await self._press_again(tracked, job, session)

    async def _press_again(self, tracked: TrackedTask, job: Job, session: str) -> None:
        nonce = self._nonces.next()  # Discord ignores a repeated nonce
        self.events.awaiting_form[tracked.task_id] = (job, session)
        try:
            plan = await plan_job(self, job, nonce)
            tracked.nonces.append(nonce)
            self.router.index(tracked)
            await self._send(plan.send)
        except EngineError as exc:
            await self.events.fail(
                tracked, f"Pressing the button again on a new Discord session failed: {exc}"
            )
            return
        logger.info(
            "%s task %s: its form went to an ended session; pressed again",
            self.account.id,
            tracked.task_id,
        )

    async def _on_health(self, state: AccountState, reason: str) -> None:
        await self._sinks.accounts(
            AccountEvent(account_id=self.account.id, state=state, reason=reason)
        )

    async def sync_info(self) -> None:
        """Send /info and /settings (to the first bot the account uses); the answers come
        back as account facts. Raises `EngineError` when a command cannot be sent."""
        await self._wait_ready()
        app_ids = self._bot_application_ids()
        for name in ("info", "settings"):
            await self._slash(app_ids[0], name)

    async def set_mode(self, mode: Mode) -> None:
        """Send /fast, /relax or /turbo to every bot the account uses."""
        await self._wait_ready()
        for app_id in self._bot_application_ids():
            await self._slash(app_id, mode.value.lower())
        logger.info("%s job mode set to %s", self.account.id, mode)

    def _bot_application_ids(self) -> list[str]:
        ids = [
            formats.BOT_APPLICATION_IDS[b]
            for b in sorted(self.account.bots)
            if b in formats.BOT_APPLICATION_IDS
        ]
        if not ids:
            raise EngineError(f"The account {self.account.id} has no Midjourney bot enabled.")
        return ids

    async def _slash(self, app_id: str, name: str) -> None:
        command = await self.commands.get(app_id, name)
        await self.rest.interact(
            interactions.slash_command(
                command=command,
                guild_id=self.guild_id,
                channel_id=self.channel_id,
                session_id=self.supervisor.session.session_id or "",
                nonce=self._nonces.next(),
                options=[],
            )
        )
