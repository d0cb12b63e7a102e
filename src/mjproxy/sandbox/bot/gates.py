"""Gates: notices a human must press before a job goes on (a mod message, a verification)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.bot.actions import ButtonAction, Press
from mjproxy.sandbox.bot.components import Bindings, button_json, render
from mjproxy.sandbox.bot.compose import embed_json
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.layouts import ACKNOWLEDGE, VERIFY_CHOICES, VERIFY_ID, ButtonSpec
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import ComponentType, InteractionFailure, JsonObject


@dataclass(slots=True)
class _Gate:
    account: Account
    answer: str | None  # None: any press opens it
    opened: asyncio.Future[None]
    message: StoredMessage | None = None


class Gates:
    def __init__(self, ctx: BotContext, replies: Replies) -> None:
        self._ctx = ctx
        self._replies = replies
        self._gates: dict[str, _Gate] = {}

    async def hold(
        self,
        ix: Interaction,
        kind: str,
        *,
        reference: StoredMessage | None = None,
        acknowledge: bool = True,
    ) -> bool:
        """Post the `kind` notice ("pending_mod" or "action_needed") and wait for the right press.

        True once pressed; False if nobody pressed it before the modal lifetime ran out.
        """
        token = self._ctx.ids.short_code(16)
        answer = None
        if kind == "pending_mod":
            components, bindings = render(ACKNOWLEDGE, fields={"token": token})
            bindings = {cid: a.with_(detail=token) for cid, a in bindings.items()}
        else:
            answer = VERIFY_CHOICES[self._ctx.ids.choice_index(len(VERIFY_CHOICES))]
            components, bindings = _choices(token)
        gate = _Gate(ix.account, answer, asyncio.get_running_loop().create_future())
        self._gates[token] = gate
        try:
            gate.message = await self._replies.embed(
                ix,
                kind,
                fields={"answer": answer or ""},
                components=components,
                actions=bindings,
                reference=reference,
                acknowledge=acknowledge,
            )
            async with asyncio.timeout(self._ctx.timings.modal_ttl_s):  # a person's time
                await gate.opened
            return True
        except TimeoutError:
            return False
        finally:
            self._gates.pop(token, None)

    async def press(self, ix: Interaction, action: ButtonAction) -> None:
        gate = self._gates.get(action.detail)
        if gate is None or gate.message is None:
            await self._ctx.clock.sleep(self._ctx.timings.response_s)
            self._replies.failed(ix, InteractionFailure.UNKNOWN)
            return
        message = gate.message
        if gate.answer is not None and action.text != gate.answer:
            retry = embed_json("action_retry", answer=gate.answer)
            await self._replies.respond(
                ix, lambda: self._ctx.messages.update(message, {"embeds": [retry]})
            )
            return
        gate.account.flags.pending_mod = False
        await self._replies.respond(
            ix, lambda: self._ctx.messages.update(message, {"components": []})
        )
        if not gate.opened.done():
            gate.opened.set_result(None)


def _choices(token: str) -> tuple[list[JsonObject], Bindings]:
    buttons = []
    bindings: Bindings = {}
    for choice in VERIFY_CHOICES:
        custom_id = VERIFY_ID.format(token=token, choice=choice)
        buttons.append(button_json(ButtonSpec(custom_id, Press.GATE, choice), {}))
        bindings[custom_id] = ButtonAction(Press.GATE, detail=token, text=choice)
    return [{"type": int(ComponentType.ACTION_ROW), "components": buttons}], bindings
