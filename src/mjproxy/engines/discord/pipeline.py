"""The event side of an account: route each gateway event to its task and act on it.

One consumer takes parsed events off the queue in order, lets the account signals see
them, routes them to their task, reports the task updates, and starts follow-ups (modal
submits, inpaint masks, deletion watches, seed reactions) as their own tasks, so the
consumer never waits on Discord.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from mjproxy.domain.errors import EngineError
from mjproxy.domain.task import ImageInput, TaskStatus, TaskUpdate
from mjproxy.engines.base import EngineSinks, Job
from mjproxy.engines.discord import formats, interactions
from mjproxy.engines.discord.events import (
    GatewayEvent,
    ImageMessage,
    JobMessage,
    MessageDeleted,
    MessageEvent,
    Notice,
    SeedReport,
)
from mjproxy.engines.discord.lanes import UpdateLanes
from mjproxy.engines.discord.messages import parse_message
from mjproxy.engines.discord.payloads import Message
from mjproxy.engines.discord.rest import DiscordRest
from mjproxy.engines.discord.router import MessageRouter
from mjproxy.engines.discord.seeds import SeedRequests
from mjproxy.engines.discord.settings import DiscordSettings
from mjproxy.engines.discord.signals import AccountSignals
from mjproxy.engines.discord.tracking import IframeSubmit, ModalSubmit, TrackedTask

logger = logging.getLogger(__name__)

BOT_IDS = frozenset(formats.BOT_APPLICATION_IDS.values())
# History messages older than the task (minus clock slack) are never its result.
_HISTORY_SLACK_MS = 5_000
# On close, how long updates already produced (a result that just arrived) may take to be
# reported before they are dropped.
_CLOSE_DRAIN_S = 5.0


class EventPipeline:
    def __init__(
        self,
        *,
        account_id: str,
        channel_id: str,
        guild_id: str | None,
        rest: DiscordRest,
        router: MessageRouter,
        signals: AccountSignals,
        seeds: SeedRequests,
        sinks: EngineSinks,
        settings: DiscordSettings,
        nonces: interactions.NonceFactory,
        session_id: Callable[[], str],
    ) -> None:
        self.account_id = account_id
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.rest = rest
        self.router = router
        self.signals = signals
        self.seeds = seeds
        self.settings = settings
        self.masks: dict[str, ImageInput] = {}
        # Button presses waiting for the form (modal or iframe) Midjourney opens in reply:
        # task id → (its job, the gateway session it was pressed in). Discord sends the form
        # to that session only, so a new session must press again (`AccountRuntime`).
        self.awaiting_form: dict[str, tuple[Job, str]] = {}
        self._sinks = sinks
        self._nonces = nonces
        self._session_id = session_id
        self._queue: asyncio.Queue[GatewayEvent] = asyncio.Queue()
        self._background: set[asyncio.Task[Any]] = set()
        self.lanes = UpdateLanes(account_id=account_id, sink=sinks.updates)

    def put(self, event: GatewayEvent) -> None:
        self._queue.put_nowait(event)

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        try:
            await asyncio.gather(*self._background, return_exceptions=True)
            async with asyncio.timeout(_CLOSE_DRAIN_S):
                await self.lanes.drained()
        except TimeoutError:
            logger.warning("%s: task updates not reported before closing", self.account_id)
        finally:
            # Also when cancelled meanwhile: no lane outlives the account.
            await self.lanes.aclose()

    async def consume(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.handle(event)
            except Exception:
                logger.exception("%s failed to handle %s", self.account_id, type(event).__name__)

    async def handle(self, event: GatewayEvent) -> None:
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
        await self.apply(tracked, event)
        for again, parked in self.router.unpark():
            await self.apply(again, parked)

    def _from_bot(self, event: MessageEvent) -> bool:
        return event.envelope.author_id in BOT_IDS

    def _in_channel(self, event: GatewayEvent) -> bool:
        if isinstance(event, MessageDeleted):
            return event.channel_id == self.channel_id
        if isinstance(event, MessageEvent):
            return event.envelope.channel_id == self.channel_id
        return True

    async def apply(self, tracked: TrackedTask, event: GatewayEvent) -> None:
        reaction = tracked.handle(event)
        self.router.index(tracked)
        if reaction.modal or reaction.iframe or reaction.done or tracked.seen_message:
            self.awaiting_form.pop(tracked.task_id, None)
        for update in reaction.updates:
            self.emit(update)
        if reaction.modal is not None:
            self.spawn(self._submit_modal(tracked, reaction.modal))
        if reaction.iframe is not None:
            self.spawn(self._submit_iframe(tracked, reaction.iframe))
        if reaction.watch_deletion:
            self.spawn(self._watch_deletion(tracked))
        if reaction.done:
            self.router.forget(tracked.task_id)
            self.masks.pop(tracked.task_id, None)
            logger.info("%s task %s finished upstream", self.account_id, tracked.task_id)

    async def _account_effects(self, event: GatewayEvent) -> None:
        await self.signals.observe(event)
        if isinstance(event, SeedReport):
            self.seeds.resolve(event.job_hash, event.seed)
        elif (
            isinstance(event, ImageMessage | JobMessage)
            and event.envelope.channel_id != self.channel_id
            and self.seeds.wants_reaction(event)
        ):
            self.spawn(self._react_for_seed(event))

    def emit(self, update: TaskUpdate) -> asyncio.Future[None]:
        """Report `update` after the task's earlier updates (see lanes.py); never waits.
        Await the future returned to know it has been reported."""
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
        return self.lanes.put(update)

    # ---- follow-ups ---------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
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
            session_id=self._session_id() or "",
            nonce=nonce,
            interaction_id=modal.interaction_id,
            custom_id=modal.custom_id,
            values=modal.values,
        )
        try:
            await self.rest.interact(payload)
        except EngineError as exc:
            await self.fail(tracked, f"Submitting Midjourney's form failed: {exc}")
            return
        self.emit(TaskUpdate(task_id=tracked.task_id, nonce=nonce, engine_state=tracked.to_state()))

    async def _submit_iframe(self, tracked: TrackedTask, iframe: IframeSubmit) -> None:
        mask = self.masks.get(tracked.task_id)
        if mask is None:
            await self.fail(
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
            await self.fail(tracked, f"Submitting the Vary Region mask failed: {exc}")

    async def _watch_deletion(self, tracked: TrackedTask) -> None:
        await asyncio.sleep(self.settings.deletion_grace_s)
        if not tracked.done and self.router.get(tracked.task_id) is tracked:
            await self.fail(
                tracked,
                "Midjourney deleted the job's message before it finished; the image was "
                "probably moderated after generation.",
            )

    async def fail(self, tracked: TrackedTask, reason: str) -> None:
        if tracked.done:
            return
        tracked.done = True
        self.router.forget(tracked.task_id)
        self.masks.pop(tracked.task_id, None)
        self.awaiting_form.pop(tracked.task_id, None)
        self.emit(
            TaskUpdate(task_id=tracked.task_id, status=TaskStatus.FAILURE, fail_reason=reason)
        )

    async def fail_all(self, reason: str) -> None:
        for tracked in self.router:
            await self.fail(tracked, reason)
        await self.lanes.drained()

    async def _react_for_seed(self, event: ImageMessage | JobMessage) -> None:
        try:
            await self.rest.add_reaction(
                event.envelope.channel_id, event.envelope.message_id, formats.SEED_EMOJI
            )
        except EngineError as exc:
            self.seeds.fail(
                event.job_hash or "", EngineError(f"Reacting for the seed failed: {exc}")
            )

    async def catch_up(self) -> None:
        """Read recent history for results the gateway could not replay (new session)."""
        try:
            history = await self._history()
        except EngineError as exc:
            logger.warning("%s could not read history to catch up: %s", self.account_id, exc)
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
            await self.apply(tracked, event)

    async def _history(self) -> list[Message]:
        """The channel's messages, newest first, back to the oldest task in flight (pages of
        `history_limit`, at most `history_max_messages`): a busy channel buries results."""
        oldest_ms = min((t.submitted_ms for t in self.router), default=0) - _HISTORY_SLACK_MS
        page_size = self.settings.history_limit
        history: list[Message] = []
        while len(history) < self.settings.history_max_messages:
            before = str(history[-1]["id"]) if history else None
            page = await self.rest.messages(self.channel_id, limit=page_size, before=before)
            history.extend(page)
            if len(page) < page_size or _snowflake_ms(str(page[-1]["id"])) < oldest_ms:
                break
        return history


def _snowflake_ms(snowflake: str) -> int:
    try:
        return (int(snowflake) >> 22) + interactions.DISCORD_EPOCH_MS
    except ValueError:
        return 0
