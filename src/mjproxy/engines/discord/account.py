"""One Discord account at work: its gateway, REST client, router and tasks in flight.

The runtime reacts to events; nothing waits "until a message arrives" while holding a
slot. Gateway dispatches are parsed and queued; one consumer routes each to its task,
reports the task updates, and starts follow-ups (modal submits, inpaint masks, seed
reactions) as their own tasks. Account-level signals (captcha, credits, bans, /info)
go to the account sink whatever task they concern.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.errors import EngineError, StaleCommand
from mjproxy.domain.task import ImageInput, Task, TaskAction, TaskStatus, TaskUpdate
from mjproxy.engines.base import AccountEvent, EngineSinks, Job
from mjproxy.engines.discord import formats, interactions
from mjproxy.engines.discord.actions import Sender, application_id, plan_job, upload_to_cdn
from mjproxy.engines.discord.backoff import Backoff
from mjproxy.engines.discord.commands import CommandIndex
from mjproxy.engines.discord.events import (
    GatewayEvent,
    ImageMessage,
    JobMessage,
    MessageDeleted,
    MessageEvent,
    Notice,
    SeedReport,
)
from mjproxy.engines.discord.formats import NoticeEffect
from mjproxy.engines.discord.messages import parse_dispatch, parse_message
from mjproxy.engines.discord.payloads import Ready
from mjproxy.engines.discord.rest import DiscordRest
from mjproxy.engines.discord.router import MessageRouter
from mjproxy.engines.discord.seeds import SeedRequests
from mjproxy.engines.discord.settings import DiscordSettings
from mjproxy.engines.discord.signals import AccountSignals
from mjproxy.engines.discord.supervisor import GatewaySupervisor
from mjproxy.engines.discord.tracking import IframeSubmit, ModalSubmit, TrackedTask

logger = logging.getLogger(__name__)

_BOT_IDS = frozenset(formats.BOT_APPLICATION_IDS.values())
_ACCOUNT_STATES = {
    NoticeEffect.QUARANTINE: AccountState.QUARANTINED,
    NoticeEffect.DISABLE: AccountState.DISABLED,
}
# History messages older than the task (minus clock slack) are never its result.
_HISTORY_SLACK_MS = 5_000


class AccountRuntime:
    def __init__(
        self,
        *,
        account: Account,
        settings: DiscordSettings,
        sinks: EngineSinks,
        nonces: interactions.NonceFactory,
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
        self._queue: asyncio.Queue[GatewayEvent] = asyncio.Queue()
        self.signals = AccountSignals(
            account_id=account.id, sink=sinks.accounts, facts=account.facts
        )
        self._dm_channels: dict[str, str] = {}
        self._masks: dict[str, ImageInput] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._synced = False

    async def run(self) -> None:
        """Run until cancelled or until Discord closes the gateway for good."""
        consumer = asyncio.create_task(self._consume(), name=f"discord-events-{self.account.id}")
        try:
            await self.supervisor.run()
            reason = self.supervisor.last_outcome.reason if self.supervisor.last_outcome else ""
            await self._fail_all(f"The account {self.account.id} left the pool: {reason}.")
        finally:
            consumer.cancel()
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(consumer, *self._background, return_exceptions=True)
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
            self._masks[job.task.id] = job.mask
        self.router.track(plan.tracked)
        try:
            await self._send(plan.send)
        except BaseException:
            self.router.forget(job.task.id)
            self._masks.pop(job.task.id, None)
            raise
        logger.info("%s task %s sent (%s)", self.account.id, job.task.id, job.task.action)
        if not plan.tracked.seen_message and not plan.tracked.done:
            await self._emit(
                TaskUpdate(
                    task_id=job.task.id,
                    status=TaskStatus.SUBMITTED,
                    nonce=nonce,
                    engine_state=plan.tracked.to_state(),
                    properties={
                        "discordChannelId": self.channel_id,
                        "discordInstanceId": self.account.id,
                    },
                )
            )

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
        if self.supervisor.ready.is_set():
            self._spawn(self._catch_up())

    async def cancel(self, task: Task) -> None:
        tracked = self.router.forget(task.id)
        job_hash = (tracked.job_hash if tracked else None) or task.message_hash
        progress_id = task.progress_message_id or (
            tracked.message_ids[0] if tracked and tracked.message_ids else None
        )
        if job_hash and progress_id and self.supervisor.ready.is_set():
            await self._press_cancel(task, job_hash, progress_id)
        await self._emit(TaskUpdate(task_id=task.id, status=TaskStatus.CANCEL, fail_reason=None))

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
        await self._emit(
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
            self._queue.put_nowait(event)

    async def _on_ready(self, ready: Ready | None) -> None:
        if ready is not None:
            self.router.user_id = self.signals.user_id = (ready.get("user") or {}).get("id")
            for channel in ready.get("private_channels", []) or []:
                for recipient in channel.get("recipient_ids", []) or []:
                    if recipient in _BOT_IDS:
                        self._dm_channels[str(recipient)] = str(channel.get("id"))
            if len(self.router):
                self._spawn(self._catch_up())
        if self.settings.sync_info_on_ready and not self._synced:
            self._synced = True
            self._spawn(self._sync_info())

    async def _on_health(self, state: AccountState, reason: str) -> None:
        await self._sinks.accounts(
            AccountEvent(account_id=self.account.id, state=state, reason=reason)
        )

    # ---- events -------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._handle(event)
            except Exception:
                logger.exception("%s failed to handle %s", self.account.id, type(event).__name__)

    async def _handle(self, event: GatewayEvent) -> None:
        if isinstance(event, MessageEvent) and not self._from_bot(event):
            return
        await self._account_effects(event)
        if not self._in_channel(event):
            return
        tracked = self.router.route(event)
        if tracked is None:
            if isinstance(event, JobMessage | Notice) and event.envelope.nonce is None:
                self.router.park(event)
            return
        await self._apply(tracked, event)
        for again, parked in self.router.unpark():
            await self._apply(again, parked)

    def _from_bot(self, event: MessageEvent) -> bool:
        return event.envelope.author_id in _BOT_IDS

    def _in_channel(self, event: GatewayEvent) -> bool:
        if isinstance(event, MessageDeleted):
            return event.channel_id == self.channel_id
        if isinstance(event, MessageEvent):
            return event.envelope.channel_id == self.channel_id
        return True

    async def _apply(self, tracked: TrackedTask, event: GatewayEvent) -> None:
        reaction = tracked.handle(event)
        self.router.index(tracked)
        for update in reaction.updates:
            await self._emit(update)
        if reaction.modal is not None:
            self._spawn(self._submit_modal(tracked, reaction.modal))
        if reaction.iframe is not None:
            self._spawn(self._submit_iframe(tracked, reaction.iframe))
        if reaction.watch_deletion:
            self._spawn(self._watch_deletion(tracked))
        if reaction.done:
            self.router.forget(tracked.task_id)
            self._masks.pop(tracked.task_id, None)
            logger.info("%s task %s finished upstream", self.account.id, tracked.task_id)

    async def _account_effects(self, event: GatewayEvent) -> None:
        await self.signals.observe(event)
        if isinstance(event, SeedReport):
            self.seeds.resolve(event.job_hash, event.seed)
        elif (
            isinstance(event, ImageMessage | JobMessage)
            and event.envelope.channel_id != self.channel_id
            and self.seeds.wants_reaction(event)
        ):
            self._spawn(self._react_for_seed(event))

    async def _emit(self, update: TaskUpdate) -> None:
        rewrite = self.settings.endpoints.rewrite_cdn
        if update.image_url or update.video_url or update.image_urls or update.video_urls:
            update = dataclasses.replace(
                update,
                image_url=rewrite(update.image_url),
                video_url=rewrite(update.video_url),
                image_urls=[rewrite(u) or u for u in update.image_urls]
                if update.image_urls
                else update.image_urls,
                video_urls=[rewrite(u) or u for u in update.video_urls]
                if update.video_urls
                else update.video_urls,
            )
        await self._sinks.updates(update)

    # ---- follow-ups ---------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _submit_modal(self, tracked: TrackedTask, modal: ModalSubmit) -> None:
        nonce = self._nonces.next()
        tracked.nonces.append(nonce)
        self.router.index(tracked)
        payload = interactions.modal_submit(
            application_id=tracked.application_id,
            guild_id=self.guild_id,
            channel_id=tracked.channel_id,
            session_id=self.supervisor.session.session_id or "",
            nonce=nonce,
            interaction_id=modal.interaction_id,
            custom_id=modal.custom_id,
            values=modal.values,
        )
        try:
            await self.rest.interact(payload)
        except EngineError as exc:
            await self._fail(tracked, f"Submitting Midjourney's form failed: {exc}")
            return
        await self._emit(
            TaskUpdate(task_id=tracked.task_id, nonce=nonce, engine_state=tracked.to_state())
        )

    async def _submit_iframe(self, tracked: TrackedTask, iframe: IframeSubmit) -> None:
        mask = self._masks.get(tracked.task_id)
        if mask is None:
            await self._fail(
                tracked, "Vary Region needs a mask, but the task has none (maskBase64)."
            )
            return
        url = (
            self.settings.endpoints.iframe_base(tracked.application_id)
            + formats.INPAINT_SUBMIT_PATH
        )
        body = {
            "customId": iframe.custom_id.removeprefix(formats.IFRAME_CUSTOM_ID_PREFIX),
            "mask": base64.b64encode(mask.data).decode("ascii"),
            "prompt": tracked.modal_prompt or "",
            "userId": "0",
            "username": "0",
        }
        try:
            await self.rest.post_external(url, body)
        except EngineError as exc:
            await self._fail(tracked, f"Submitting the Vary Region mask failed: {exc}")

    async def _watch_deletion(self, tracked: TrackedTask) -> None:
        await asyncio.sleep(self.settings.deletion_grace_s)
        if not tracked.done and self.router.get(tracked.task_id) is tracked:
            await self._fail(
                tracked,
                "Midjourney deleted the job's message before it finished; the image was "
                "probably moderated after generation.",
            )

    async def _fail(self, tracked: TrackedTask, reason: str) -> None:
        if tracked.done:
            return
        tracked.done = True
        self.router.forget(tracked.task_id)
        self._masks.pop(tracked.task_id, None)
        await self._emit(
            TaskUpdate(task_id=tracked.task_id, status=TaskStatus.FAILURE, fail_reason=reason)
        )

    async def _fail_all(self, reason: str) -> None:
        for tracked in self.router:
            await self._fail(tracked, reason)

    async def _react_for_seed(self, event: ImageMessage | JobMessage) -> None:
        try:
            await self.rest.add_reaction(
                event.envelope.channel_id, event.envelope.message_id, formats.SEED_EMOJI
            )
        except EngineError as exc:
            self.seeds.fail(
                event.job_hash or "", EngineError(f"Reacting for the seed failed: {exc}")
            )

    async def _catch_up(self) -> None:
        """Read recent history for results the gateway could not replay (new session)."""
        try:
            history = await self.rest.messages(self.channel_id, limit=self.settings.history_limit)
        except EngineError as exc:
            logger.warning("%s could not read history to catch up: %s", self.account.id, exc)
            return
        for message in reversed(history):
            event = parse_message(message)
            if not self._from_bot(event):
                continue
            tracked = self.router.route(event)
            if (
                tracked is None
                or _snowflake_ms(event.envelope.message_id)
                < tracked.submitted_ms - _HISTORY_SLACK_MS
            ):
                continue
            await self._apply(tracked, event)

    async def _sync_info(self) -> None:
        """Ask /info and /settings so the account's facts (fast time, remix) are known."""
        bots = [
            formats.BOT_APPLICATION_IDS[b]
            for b in sorted(self.account.bots)
            if b in formats.BOT_APPLICATION_IDS
        ]
        if not bots:
            return
        app_id = bots[0]
        for name in ("info", "settings"):
            try:
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
            except EngineError as exc:
                logger.warning("%s could not run /%s: %s", self.account.id, name, exc)
                return


def _snowflake_ms(snowflake: str) -> int:
    try:
        return (int(snowflake) >> 22) + interactions.DISCORD_EPOCH_MS
    except ValueError:
        return 0
