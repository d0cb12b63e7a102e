"""The simulated Midjourney application: takes interactions, answers over the gateway."""

from __future__ import annotations

import logging

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.bot.buttons import ButtonPresses
from mjproxy.sandbox.bot.checks import Checks
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.factory import JobFactory
from mjproxy.sandbox.bot.flow import JobFlow
from mjproxy.sandbox.bot.gates import Gates
from mjproxy.sandbox.bot.inpaint import InpaintDesk, InpaintRequest
from mjproxy.sandbox.bot.modals import ModalDesk
from mjproxy.sandbox.bot.outputs import Outputs
from mjproxy.sandbox.bot.readers import Readers
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.bot.seeds import SeedMail
from mjproxy.sandbox.bot.settings import SettingsPanel
from mjproxy.sandbox.bot.slash import SlashCommands
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import InteractionType, JsonObject

logger = logging.getLogger(__name__)


class MidjourneyBot:
    """Every interaction runs as its own background flow, so slow jobs never block others."""

    def __init__(self, ctx: BotContext) -> None:
        self._ctx = ctx
        replies = Replies(ctx)
        gates = Gates(ctx, replies)
        checks = Checks(ctx, replies, gates)
        outputs = Outputs(ctx)
        self.flow = JobFlow(ctx, replies, outputs, checks)
        factory = JobFactory(ctx, outputs)
        readers = Readers(ctx, replies)
        settings = SettingsPanel(ctx, replies)
        self.inpaint = InpaintDesk(ctx, replies)
        self._factory = factory
        self._replies = replies
        self._slash = SlashCommands(
            ctx,
            replies=replies,
            checks=checks,
            flow=self.flow,
            factory=factory,
            outputs=outputs,
            readers=readers,
            settings=settings,
        )
        self._buttons = ButtonPresses(
            ctx,
            replies=replies,
            flow=self.flow,
            factory=factory,
            modals=ModalDesk(ctx, replies),
            inpaint=self.inpaint,
            gates=gates,
            settings=settings,
            readers=readers,
        )
        self._seeds = SeedMail(ctx)

    def accept(self, interaction: Interaction) -> None:
        self._ctx.tasks.spawn(self._handle(interaction), name=f"interaction-{interaction.id}")

    async def _handle(self, ix: Interaction) -> None:
        await self._ctx.clock.sleep(self._ctx.timings.interaction_create_s)
        self._replies.created(ix)
        logger.debug("interaction %s type %s from user %s", ix.id, ix.type, ix.user_id)
        if ix.type == InteractionType.APPLICATION_COMMAND:
            await self._slash.handle(ix)
        elif ix.type == InteractionType.MESSAGE_COMPONENT:
            await self._buttons.handle(ix)
        elif ix.type == InteractionType.MODAL_SUBMIT:
            await self._buttons.submit(ix)
        else:
            data: JsonObject = {"nonce": ix.nonce, "choices": []}
            self._ctx.dispatcher.to_session(
                ix.session_id, ix.user_id, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", data
            )

    def react(self, account: Account, message: StoredMessage, emoji: str) -> None:
        self._seeds.react(account, message, emoji)

    def submit_inpaint(self, custom_id: str, prompt: str, mask_b64: str) -> str | None:
        """The Vary (Region) editor's submit-job call; None when accepted, else why not."""
        request = self.inpaint.take(custom_id, mask_b64)
        if not isinstance(request, InpaintRequest):
            return request
        remix = prompt.strip() or None
        job = self._factory.child(
            request.interaction, request.action, request.parent, source=request.source, prompt=remix
        )
        self._ctx.tasks.spawn(
            self.flow.launch(request.interaction, job, acknowledge=False),
            name=f"inpaint-{job.uuid}",
        )
        return None
