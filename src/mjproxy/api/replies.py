"""Submit replies for accepted work: code 1 (running), 22 (queued) or 21 (modal)."""

from __future__ import annotations

from typing import Any

from mjproxy.api.messages import Messages, Outcome
from mjproxy.api.schemas import SubmitReply
from mjproxy.services.submissions import Accepted

_ACCOUNT_KEYS = ("discordInstanceId", "discordChannelId")


def accepted_reply(accepted: Accepted, messages: Messages) -> SubmitReply:
    task = accepted.task
    properties: dict[str, Any] = {
        key: task.properties[key] for key in _ACCOUNT_KEYS if key in task.properties
    }
    if accepted.needs_modal:
        properties.update(finalPrompt=task.final_prompt or "", remix=True)
        return SubmitReply(
            code=21,
            description=messages.outcome(Outcome.MODAL),
            result=task.id,
            properties=properties,
        )
    if accepted.queue_position is not None:
        properties["numberOfQueues"] = accepted.queue_position
        return SubmitReply(
            code=22,
            description=messages.outcome(Outcome.QUEUED, ahead=accepted.queue_position),
            result=task.id,
            properties=properties,
        )
    return SubmitReply(
        code=1,
        description=messages.outcome(Outcome.SUBMITTED),
        result=task.id,
        properties=properties,
    )
