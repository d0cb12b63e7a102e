"""Button presses (type 3) and modal submissions (type 5) on the bot's messages.

A press is resolved by the action the bot bound to that custom_id when it built the message;
a custom_id the message does not carry earns INTERACTION_FAILURE (reason 1). With Remix on,
presses that Midjourney lets you remix open a modal instead of starting the job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from mjproxy.sandbox.bot.actions import ButtonAction, Press
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.factory import JobFactory, animate_suffix
from mjproxy.sandbox.bot.flow import JobFlow
from mjproxy.sandbox.bot.gates import Gates
from mjproxy.sandbox.bot.inpaint import InpaintDesk
from mjproxy.sandbox.bot.jobs import Job, JobKind
from mjproxy.sandbox.bot.modals import ModalDesk
from mjproxy.sandbox.bot.readers import Readers
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.bot.settings import SettingsPanel
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import InteractionFailure

Handler = Callable[[Interaction, ButtonAction], Awaitable[None]]
_REMIXABLE = frozenset(
    {Press.VARIATION, Press.VARY, Press.REROLL, Press.PAN, Press.ANIMATE, Press.EXTEND}
)
_JOB_PRESSES = frozenset({Press.ZOOM, Press.UPSCALE, *_REMIXABLE})


class ButtonPresses:
    def __init__(
        self,
        ctx: BotContext,
        *,
        replies: Replies,
        flow: JobFlow,
        factory: JobFactory,
        modals: ModalDesk,
        inpaint: InpaintDesk,
        gates: Gates,
        settings: SettingsPanel,
        readers: Readers,
    ) -> None:
        self._ctx = ctx
        self._replies = replies
        self._flow = flow
        self._factory = factory
        self._modals = modals
        self._inpaint = inpaint
        self._gates = gates
        self._settings = settings
        self._readers = readers
        self._handlers: dict[Press, Handler] = {
            Press.PICK: self._pick,
            Press.VIDEO_PICK: self._pick,
            Press.REGION: self._region,
            Press.CUSTOM_ZOOM: self._custom_zoom,
            Press.BOOKMARK: self._acknowledge_only,
            Press.CANCEL: self._cancel,
            Press.SETTING: settings.press,
            Press.VERSION: settings.press,
            Press.PIC_READER: self._pic_reader,
            Press.PIC_READER_ALL: self._pic_reader_all,
            Press.PIC_RETRY: lambda ix, _: readers.retry(ix),
            Press.ANALYZER: self._analyzer,
            Press.GATE: gates.press,
        }

    async def handle(self, ix: Interaction) -> None:
        message = ix.message
        assert message is not None
        action = message.actions.get(ix.custom_id) if message.has_component(ix.custom_id) else None
        if action is None:
            await self._fail(ix)
            return
        if action.press in _JOB_PRESSES:
            await self._job_press(ix, action)
            return
        await self._handlers[action.press](ix, action)

    async def _fail(self, ix: Interaction) -> None:
        await self._ctx.clock.sleep(self._ctx.timings.response_s)
        self._replies.failed(ix, InteractionFailure.UNKNOWN)

    def _parent(self, action: ButtonAction) -> Job | None:
        return self._ctx.jobs.get(action.job_uuid)

    async def _job_press(self, ix: Interaction, action: ButtonAction) -> None:
        parent = self._parent(action)
        if parent is None:
            await self._fail(ix)
            return
        if action.press == Press.VARIATION:
            strong = ix.account.settings.high_variation
            action = action.with_(detail="Strong" if strong else "Subtle")
        if action.press in _REMIXABLE and ix.account.settings.remix:
            await self._open_remix(ix, action, parent)
            return
        job = self._factory.child(ix, action, parent, source=ix.message)
        await self._flow.launch(ix, job)

    async def _open_remix(self, ix: Interaction, action: ButtonAction, parent: Job) -> None:
        fields = {"uuid": parent.uuid, "index": str(action.index), "message_id": ix.message_id}
        value = parent.prompt
        if action.press in (Press.VARIATION, Press.VARY):
            key = "remix"
            fields["strong"] = "1" if action.detail == "Strong" else "0"
        elif action.press == Press.REROLL:
            key = "imagine"
        elif action.press == Press.PAN:
            key = "pan"
            fields["direction"] = action.detail.lower()
        else:
            key = "animate"
            fields |= {
                "level": action.detail,
                "extend": "1" if action.press == Press.EXTEND else "0",
            }
            if action.press == Press.ANIMATE:
                value += animate_suffix(action.detail, parent)
        await self._modals.open(
            ix, key, fields=fields, value=value, action=action, parent=parent, source=ix.message
        )

    async def _pick(self, ix: Interaction, action: ButtonAction) -> None:
        parent = self._parent(action)
        if parent is None:
            await self._fail(ix)
            return
        job = self._factory.child(ix, action, parent, source=ix.message)
        await self._flow.launch_instant(ix, job)

    async def _region(self, ix: Interaction, action: ButtonAction) -> None:
        parent = self._parent(action)
        if parent is None:
            await self._fail(ix)
            return
        await self._inpaint.open(ix, action, parent, ix.message)

    async def _custom_zoom(self, ix: Interaction, action: ButtonAction) -> None:
        parent = self._parent(action)
        if parent is None:
            await self._fail(ix)
            return
        await self._modals.open(
            ix,
            "custom_zoom",
            fields={"uuid": parent.uuid},
            value=f"{parent.prompt} --zoom 2",
            action=action,
            parent=parent,
            source=ix.message,
        )

    async def _acknowledge_only(self, ix: Interaction, action: ButtonAction) -> None:
        await self._replies.respond(ix, lambda: None)

    async def _cancel(self, ix: Interaction, action: ButtonAction) -> None:
        job = self._parent(action)
        if job is not None:
            job.cancelled.set()
        await self._replies.respond(ix, lambda: None)

    async def _pic_reader(self, ix: Interaction, action: ButtonAction) -> None:
        await self._modals.open(
            ix, "pic_reader", fields={"index": str(action.index)}, value=action.text, action=action
        )

    async def _analyzer(self, ix: Interaction, action: ButtonAction) -> None:
        await self._modals.open(
            ix, "imagine", fields={"message_id": ix.message_id}, value=action.text, action=action
        )

    async def _pic_reader_all(self, ix: Interaction, action: ButtonAction) -> None:
        """Imagine all four described prompts; the first job's answer acknowledges the click."""
        message = ix.message
        assert message is not None
        prompts = [a.text for a in message.actions.values() if a.press == Press.PIC_READER]
        for number, prompt in enumerate(prompts):
            job = self._factory.create(ix, JobKind.IMAGINE, prompt=prompt)
            self._ctx.tasks.spawn(
                self._flow.launch(ix, job, acknowledge=number == 0),
                name=f"pic-reader-all-{job.uuid}",
            )

    async def submit(self, ix: Interaction) -> None:
        """A modal submission: start what the modal's button would have, with the new prompt."""
        taken = self._modals.take(ix)
        if taken is None:
            await self._fail(ix)
            return
        pending, prompt = taken
        if pending.parent is None:  # describe and shorten buttons: a fresh imagine
            job = self._factory.create(ix, JobKind.IMAGINE, prompt=prompt)
        else:
            job = self._factory.child(
                ix, pending.action, pending.parent, source=pending.source, prompt=prompt
            )
        await self._flow.launch(ix, job, raw_prompt=prompt)
