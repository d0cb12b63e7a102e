"""Raw Discord payloads as the wire carries them (user-account gateway and REST).

Only the fields the engine reads are listed; Discord sends many more. Everything is
`total=False` because Discord omits fields freely. Sources: reference/discord-protocol.md.
"""

from __future__ import annotations

from typing import Any, TypedDict


class User(TypedDict, total=False):
    id: str
    username: str
    global_name: str | None
    bot: bool


class Attachment(TypedDict, total=False):
    id: str
    filename: str
    url: str
    proxy_url: str
    content_type: str
    width: int
    height: int
    size: int


class EmbedImage(TypedDict, total=False):
    url: str
    proxy_url: str
    width: int
    height: int


class EmbedFooter(TypedDict, total=False):
    text: str


class Embed(TypedDict, total=False):
    type: str
    title: str
    description: str
    color: int
    image: EmbedImage
    footer: EmbedFooter


class Emoji(TypedDict, total=False):
    id: str | None
    name: str


class SelectOption(TypedDict, total=False):
    label: str
    value: str
    default: bool


class Component(TypedDict, total=False):
    type: int
    custom_id: str
    label: str
    style: int
    emoji: Emoji
    url: str
    value: str
    options: list[SelectOption]
    components: list[Component]
    component: Component  # Label (type 18) wrapper in newer modals


class MessageReference(TypedDict, total=False):
    message_id: str
    channel_id: str
    guild_id: str


class InteractionInfo(TypedDict, total=False):
    id: str
    type: int
    name: str
    user: User


class Message(TypedDict, total=False):
    id: str
    channel_id: str
    guild_id: str
    type: int
    content: str
    author: User
    attachments: list[Attachment]
    embeds: list[Embed]
    components: list[Component]
    flags: int
    nonce: str | int
    application_id: str
    webhook_id: str
    interaction: InteractionInfo
    interaction_metadata: InteractionInfo
    message_reference: MessageReference
    referenced_message: dict[str, Any] | None
    edited_timestamp: str | None


class InteractionEvent(TypedDict, total=False):
    """`INTERACTION_CREATE|SUCCESS|FAILURE|MODAL_CREATE|IFRAME_MODAL_CREATE` for users."""

    id: str
    nonce: str
    reason_code: int
    channel_id: str
    custom_id: str
    title: str
    components: list[Component]
    iframe_path: str


class Ready(TypedDict, total=False):
    session_id: str
    resume_gateway_url: str
    user: User
    private_channels: list[dict[str, Any]]


class GatewayPayload(TypedDict, total=False):
    op: int
    d: Any
    s: int | None
    t: str | None
