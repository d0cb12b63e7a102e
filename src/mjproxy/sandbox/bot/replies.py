"""How the bot answers an interaction: INTERACTION_* events, messages, modals, iframes.

The order of a response message and INTERACTION_SUCCESS is not documented (reference §6.7):
`respond` follows `switches.success_before_message`, so tests cover both orders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from mjproxy.sandbox.bot.components import Bindings
from mjproxy.sandbox.bot.compose import bot_message, embed_json
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.entities import Channel, StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import (
    InteractionFailure,
    InteractionType,
    JsonObject,
    MessageFlag,
    MessageType,
)

T = TypeVar("T")


class Replies:
    def __init__(self, ctx: BotContext) -> None:
        self._ctx = ctx

    def _to_session(self, ix: Interaction, event: str, data: JsonObject) -> None:
        self._ctx.dispatcher.to_session(ix.session_id, ix.user_id, event, data)

    def created(self, ix: Interaction) -> None:
        self._to_session(ix, "INTERACTION_CREATE", {"id": ix.id, "nonce": ix.nonce})

    def succeeded(self, ix: Interaction) -> None:
        self._to_session(ix, "INTERACTION_SUCCESS", {"id": ix.id, "nonce": ix.nonce})

    def failed(self, ix: Interaction, reason: InteractionFailure) -> None:
        data = {"id": ix.id, "nonce": ix.nonce, "reason_code": int(reason)}
        self._to_session(ix, "INTERACTION_FAILURE", data)

    async def respond(
        self,
        ix: Interaction,
        act: Callable[[], T],
        *,
        delay_s: float | None = None,
        acknowledge: bool = True,
    ) -> T:
        """After a delay, do `act` (post/edit the answer) and acknowledge, in the switched order."""
        timings = self._ctx.timings
        await self._ctx.clock.sleep(timings.response_s if delay_s is None else delay_s)
        if not acknowledge:
            return act()
        if self._ctx.switches.success_before_message:
            self.succeeded(ix)
            await self._ctx.clock.sleep(timings.success_gap_s)
            return act()
        result = act()
        await self._ctx.clock.sleep(timings.success_gap_s)
        self.succeeded(ix)
        return result

    def compose(
        self,
        ix: Interaction,
        *,
        content: str = "",
        flags: int = 0,
        with_nonce: bool = True,
        reference: StoredMessage | None = None,
        embeds: Sequence[JsonObject] = (),
        components: Sequence[JsonObject] = (),
        attachments: Sequence[JsonObject] = (),
        channel: Channel | None = None,
    ) -> JsonObject:
        """A bot message answering `ix`: a slash response (type 20) or a reply (type 19)."""
        kind = (
            MessageType.CHAT_INPUT_COMMAND
            if ix.type == InteractionType.APPLICATION_COMMAND
            else MessageType.DEFAULT
        )
        return bot_message(
            self._ctx.ids.snowflake(),
            bot=ix.bot,
            channel=channel or ix.channel,
            interaction=ix,
            content=content,
            kind=kind,
            flags=flags,
            nonce=ix.nonce if with_nonce else None,
            reference=reference,
            embeds=embeds,
            components=components,
            attachments=attachments,
        )

    def post(
        self,
        ix: Interaction,
        data: JsonObject,
        *,
        actions: Bindings | None = None,
        job_uuid: str | None = None,
        channel: Channel | None = None,
    ) -> StoredMessage:
        """Create `data`; ephemeral messages (flags 64) go only to the interaction's session."""
        ephemeral = bool(int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)
        return self._ctx.messages.create(
            channel or ix.channel,
            data,
            ephemeral_to=(ix.session_id, ix.user_id) if ephemeral else None,
            actions=actions,
            job_uuid=job_uuid,
        )

    async def embed(
        self,
        ix: Interaction,
        key: str,
        *,
        fields: dict[str, object] | None = None,
        components: Sequence[JsonObject] = (),
        actions: Bindings | None = None,
        reference: StoredMessage | None = None,
        acknowledge: bool = True,
    ) -> StoredMessage:
        """Answer with a notice or error embed (carrying the nonce, as Midjourney does)."""
        flags = MessageFlag.EPHEMERAL if self._ctx.switches.ephemeral_errors else 0
        data = self.compose(
            ix,
            flags=int(flags),
            reference=reference,
            embeds=[embed_json(key, **(fields or {}))],
            components=components,
        )
        return await self.respond(
            ix, lambda: self.post(ix, data, actions=actions), acknowledge=acknowledge
        )

    async def modal(
        self, ix: Interaction, *, custom_id: str, title: str, components: list[JsonObject]
    ) -> None:
        data: JsonObject = {
            "id": ix.id,
            "nonce": ix.nonce,
            "channel_id": ix.channel.id,
            "custom_id": custom_id,
            "application": ix.bot.application_json(),
            "title": title,
            "components": components,
        }
        if ix.guild_id:
            data["guild_id"] = ix.guild_id
        await self._ctx.clock.sleep(self._ctx.timings.response_s)
        self._to_session(ix, "INTERACTION_MODAL_CREATE", data)
        if self._ctx.switches.success_after_modal:
            await self._ctx.clock.sleep(self._ctx.timings.success_gap_s)
            self.succeeded(ix)

    async def iframe(self, ix: Interaction, *, custom_id: str, title: str, path: str) -> None:
        data: JsonObject = {
            "id": ix.id,
            "nonce": ix.nonce,
            "channel_id": ix.channel.id,
            "custom_id": custom_id,
            "application": ix.bot.application_json(),
            "title": title,
            "iframe_path": path,
            "modal_size": 2,
        }
        await self._ctx.clock.sleep(self._ctx.timings.response_s)
        self._to_session(ix, "INTERACTION_IFRAME_MODAL_CREATE", data)
        await self._ctx.clock.sleep(self._ctx.timings.success_gap_s)
        self.succeeded(ix)
