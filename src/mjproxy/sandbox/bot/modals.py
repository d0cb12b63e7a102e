"""Modals: opening them (INTERACTION_MODAL_CREATE) and taking their submissions (type 5).

A submission is accepted only if `data.id` names the interaction that opened a modal for this
user, `data.custom_id` is that modal's id, it has not expired, and it carries the modal's text
input; anything else earns INTERACTION_FAILURE, as the reference describes (§6.5.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from mjproxy.sandbox.bot.actions import ButtonAction
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job
from mjproxy.sandbox.bot.layouts import MODALS
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import ComponentType, JsonObject, TextInputStyle


@dataclass(frozen=True, slots=True)
class PendingModal:
    key: str  # which MODALS entry
    custom_id: str
    input_id: str
    user_id: str
    action: ButtonAction  # what the button that opened it would have done
    parent: Job | None
    source: StoredMessage | None
    expires_at: float  # monotonic


class ModalDesk:
    def __init__(self, ctx: BotContext, replies: Replies) -> None:
        self._ctx = ctx
        self._replies = replies
        self._pending: dict[str, PendingModal] = {}

    async def open(
        self,
        ix: Interaction,
        key: str,
        *,
        fields: dict[str, str],
        value: str,
        action: ButtonAction,
        parent: Job | None = None,
        source: StoredMessage | None = None,
    ) -> None:
        spec = MODALS[key]
        custom_id = spec.custom_id.format(**fields)
        text_input: JsonObject = {
            "type": int(ComponentType.TEXT_INPUT),
            "custom_id": spec.input_id,
            "label": spec.input_label.format(**fields),
            "style": int(TextInputStyle.PARAGRAPH),
            "value": value,
            "required": True,
            "min_length": 1,
            "max_length": 4000,
        }
        # How long a person may take to fill the form: real seconds, whatever the speed
        # (scaled, it left 9 ms at speed 100 000 and lost forms under load at far less).
        ttl_s = self._ctx.timings.modal_ttl_s
        self._pending[ix.id] = PendingModal(
            key,
            custom_id,
            spec.input_id,
            ix.user_id,
            action,
            parent,
            source,
            Clock.monotonic() + ttl_s,
        )
        row = {"type": int(ComponentType.ACTION_ROW), "components": [text_input]}
        await self._replies.modal(
            ix, custom_id=custom_id, title=spec.title.format(**fields), components=[row]
        )

    def take(self, ix: Interaction) -> tuple[PendingModal, str] | None:
        """The modal this submission answers and the text typed in it, or None if invalid."""
        opener_id = str(ix.data.get("id", ""))
        pending = self._pending.get(opener_id)
        if pending is None or pending.user_id != ix.user_id:
            return None
        if ix.custom_id != pending.custom_id or Clock.monotonic() > pending.expires_at:
            return None
        value = text_input_value(ix.data.get("components"), pending.input_id)
        if value is None:
            return None
        del self._pending[opener_id]
        return pending, value


def text_input_value(components: object, input_id: str) -> str | None:
    """The value of text input `input_id`, in action rows (type 1) or label wrappers (type 18)."""
    if not isinstance(components, list):
        return None
    for outer in components:
        if not isinstance(outer, dict):
            continue
        inner = list(outer.get("components") or [])
        if isinstance(outer.get("component"), dict):
            inner.append(outer["component"])
        for component in inner:
            if isinstance(component, dict) and component.get("custom_id") == input_id:
                value = component.get("value")
                return value.strip() if isinstance(value, str) and value.strip() else None
    return None
