"""The shape of the bot's messages (reference §3.2): author, interaction metadata, embeds."""

from __future__ import annotations

from collections.abc import Sequence

from mjproxy.sandbox.bot.formats import EMBEDS
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.entities import Channel, StoredMessage
from mjproxy.sandbox.identities import BotIdentity
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import InteractionType, JsonObject, MessageType


def bot_message(
    message_id: str,
    *,
    bot: BotIdentity,
    channel: Channel,
    interaction: Interaction | None,
    content: str = "",
    kind: MessageType = MessageType.DEFAULT,
    flags: int = 0,
    nonce: str | None = None,
    reference: StoredMessage | None = None,
    embeds: Sequence[JsonObject] = (),
    components: Sequence[JsonObject] = (),
    attachments: Sequence[JsonObject] = (),
) -> JsonObject:
    message: JsonObject = {
        "id": message_id,
        "type": int(kind),
        "content": content,
        "channel_id": channel.id,
        "author": bot.user_json(),
        "attachments": list(attachments),
        "embeds": list(embeds),
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": Clock.iso_timestamp(),
        "edited_timestamp": None,
        "flags": flags,
        "components": list(components),
        "application_id": bot.application_id,
        "position": 0,
    }
    if channel.guild_id is not None:
        message["guild_id"] = channel.guild_id
    if interaction is not None:
        message["webhook_id"] = bot.application_id
        message["mentions"] = [interaction.account.user.to_json()]
        message.update(interaction_fields(interaction))
    if nonce is not None:
        message["nonce"] = nonce
    if reference is not None:
        message["type"] = int(MessageType.REPLY)
        message["message_reference"] = {
            "type": 0,
            "channel_id": reference.channel_id,
            "message_id": reference.id,
            **({"guild_id": channel.guild_id} if channel.guild_id else {}),
        }
        message["referenced_message"] = {
            k: v for k, v in reference.data.items() if k != "referenced_message"
        }
    return message


def interaction_fields(interaction: Interaction) -> JsonObject:
    """`interaction` (deprecated, slash only) and `interaction_metadata`, as clients read them."""
    user = interaction.account.user.to_json()
    owners = {"0": interaction.guild_id} if interaction.guild_id else {"1": interaction.user_id}
    metadata: JsonObject = {
        "id": interaction.id,
        "type": int(interaction.type),
        "user": user,
        "authorizing_integration_owners": owners,
    }
    fields: JsonObject = {"interaction_metadata": metadata}
    if interaction.type == InteractionType.APPLICATION_COMMAND and interaction.command:
        sub = interaction.subcommand()
        name = f"{interaction.command.name} {sub}" if sub else interaction.command.name
        metadata["name"] = name
        fields["interaction"] = {"id": interaction.id, "type": 2, "name": name, "user": user}
    elif interaction.message is not None:
        metadata["interacted_message_id"] = interaction.message.id
    return fields


def embed_json(key: str, **fields: object) -> JsonObject:
    """A rich embed from the EMBEDS table, its placeholders filled from `fields`."""
    text = EMBEDS[key]
    embed: JsonObject = {
        "type": "rich",
        "title": text.title.format(**fields),
        "description": text.description.format(**fields),
        "color": text.color,
    }
    if text.footer is not None:
        embed["footer"] = {"text": text.footer.format(**fields)}
    return embed
