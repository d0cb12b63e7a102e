"""Button presses on finished tasks: which button a client means, and whether it needs a modal.

Clients synthesize button ids (`MJ::JOB::upsample::2::<random hash>`), so the id's
structure — kind, index, variant — picks the button, and the parent task supplies the real
Discord id carrying its own job hash.
"""

from __future__ import annotations

from mjproxy.domain.account import Account
from mjproxy.domain.custom_ids import ButtonAction, ButtonKind, ModalNeed, parse_custom_id
from mjproxy.domain.errors import InvalidField, UnknownCustomId, WrongTaskStatus
from mjproxy.domain.task import Button, Task, TaskStatus

_SHORT_NAMES = {ButtonKind.UPSCALE: "U", ButtonKind.VARIATION: "V"}


def resolve_button(parent: Task, custom_id: str) -> tuple[ButtonAction, Button]:
    """The parent's button that `custom_id` presses, and what it does.

    Raises `UnknownCustomId` for an id of no known pattern, `WrongTaskStatus` unless the
    parent finished with SUCCESS, and `InvalidField` when the parent has no such button.
    """
    pressed = parse_custom_id(custom_id)
    if not pressed.is_job:
        raise InvalidField("customId", f"{custom_id!r} is a button that starts no new task")
    if parent.status is not TaskStatus.SUCCESS:
        raise WrongTaskStatus(
            parent.id, parent.status, needed="actions need a task that finished with SUCCESS"
        )
    for button in parent.buttons:
        try:
            offered = parse_custom_id(button.custom_id)
        except UnknownCustomId:
            continue
        if offered.same_button(pressed):
            return offered, button
    offered_ids = ", ".join(b.custom_id for b in parent.buttons) or "none"
    raise InvalidField(
        "customId",
        f"{custom_id!r} matches no button of task {parent.id} (its buttons: {offered_ids})",
    )


def build_change_id(kind: ButtonKind, index: int) -> str:
    """A synthesized id for `/submit/change` (U/V/R): the hash is replaced by the parent's."""
    return ButtonAction(kind=kind, index=index, job_hash=None).build("0")


def needs_modal(button: ButtonAction, account: Account | None, *, enable_remix: bool) -> bool:
    """Whether pressing `button` opens a Midjourney modal the client must confirm.

    Custom zoom, inpaint and describe/shorten follow-ups always do; variations, rerolls and
    pans do in remix mode, unless the account auto-submits remix modals itself.
    """
    if button.modal is ModalNeed.ALWAYS:
        return True
    if button.modal is ModalNeed.NEVER:
        return False
    if enable_remix:
        return True
    return account is not None and account.remix and not account.remix_auto_submit


def remix_auto_submits(button: ButtonAction, account: Account | None) -> bool:
    """Whether the engine answers this button's remix modal with the parent prompt itself."""
    return (
        button.modal is ModalNeed.WHEN_REMIX
        and account is not None
        and account.remix
        and account.remix_auto_submit
    )


def describe_press(parent: Task, button: ButtonAction, custom_id: str) -> str:
    """The child task's description: `/up <id> U2` for U/V/R, else `/action <id> <customId>`."""
    short = _SHORT_NAMES.get(button.kind)
    if short:
        return f"/up {parent.id} {short}{button.index}"
    if button.kind is ButtonKind.REROLL:
        return f"/up {parent.id} R"
    return f"/action {parent.id} {custom_id}"
