"""Vary (Region): the iframe modal, and the job its out-of-band submit-job call starts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from mjproxy.sandbox.bot.actions import ButtonAction
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job
from mjproxy.sandbox.bot.layouts import IFRAME_CUSTOM_ID, INPAINT_PATH, INPAINT_TITLE
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.images import image_size
from mjproxy.sandbox.interactions import Interaction


@dataclass(frozen=True, slots=True)
class InpaintRequest:
    interaction: Interaction  # the Vary (Region) click, already acknowledged
    action: ButtonAction
    parent: Job
    source: StoredMessage | None
    expires_at: float


class InpaintDesk:
    def __init__(self, ctx: BotContext, replies: Replies) -> None:
        self._ctx = ctx
        self._replies = replies
        self._requests: dict[str, InpaintRequest] = {}

    async def open(
        self, ix: Interaction, action: ButtonAction, parent: Job, source: StoredMessage | None
    ) -> None:
        token = self._ctx.ids.short_code(32)
        ttl_s = self._ctx.timings.inpaint_token_ttl_s  # a person's time: never scaled
        self._requests[token] = InpaintRequest(
            ix, action, parent, source, Clock.monotonic() + ttl_s
        )
        await self._replies.iframe(
            ix,
            custom_id=IFRAME_CUSTOM_ID.format(token=token),
            title=INPAINT_TITLE,
            path=INPAINT_PATH.format(token=token),
        )

    def take(self, token: str, mask_b64: str) -> InpaintRequest | str:
        """The request `token` opened, or a sentence saying why the submission is refused."""
        request = self._requests.get(token.removeprefix("MJ::iframe::"))
        if request is None or Clock.monotonic() > request.expires_at:
            return "Unknown or expired customId."
        try:
            mask = base64.b64decode(mask_b64.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            return "The mask is not valid base64."
        if image_size(mask) is None:
            return "The mask is not an image."
        del self._requests[token.removeprefix("MJ::iframe::")]
        return request
