"""The Discord things the simulator stores: users, guilds, channels, messages, uploads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mjproxy.sandbox.protocol import ChannelType, ComponentType, JsonObject, MessageFlag


@dataclass(slots=True)
class User:
    id: str
    username: str
    global_name: str | None = None

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "bot": False,
        }

    def to_private_json(self) -> JsonObject:
        """The fuller object `/users/@me` and READY give the user about themself."""
        return {
            **self.to_json(),
            "email": None,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
            "premium_type": 0,
        }


@dataclass(slots=True)
class Guild:
    id: str
    name: str
    channel_ids: list[str] = field(default_factory=list)
    member_ids: set[str] = field(default_factory=set)


@dataclass(slots=True)
class StoredMessage:
    """A message as Discord keeps it, plus what the bot bound to its buttons.

    `actions` maps each custom_id on the message to what pressing it does; the bot fills it
    when it builds the components, so a click is validated and resolved by lookup, never by
    parsing the id.
    """

    data: JsonObject
    ephemeral_session: str | None = None  # ephemeral messages reach only this session …
    ephemeral_user: str | None = None  # … of this user
    deleted: bool = False
    actions: dict[str, Any] = field(default_factory=dict)
    job_uuid: str | None = None

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def channel_id(self) -> str:
        return str(self.data["channel_id"])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def is_ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    def has_component(self, custom_id: str) -> bool:
        return any(c.get("custom_id") == custom_id for c in iter_components(self.data))


def iter_components(message: JsonObject) -> list[JsonObject]:
    """Every interactive component of a message, flattening action rows."""
    found: list[JsonObject] = []
    for row in message.get("components") or []:
        if row.get("type") == ComponentType.ACTION_ROW:
            found.extend(row.get("components") or [])
        else:
            found.append(row)
    return found


@dataclass(slots=True)
class Channel:
    id: str
    type: ChannelType
    name: str
    guild_id: str | None = None
    member_ids: set[str] = field(default_factory=set)
    recipient: JsonObject | None = None  # the bot user, for a DM channel
    messages: dict[str, StoredMessage] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        if self.type == ChannelType.DM:
            return {
                "id": self.id,
                "type": int(self.type),
                "last_message_id": self.last_message_id(),
                "flags": 0,
                "recipients": [self.recipient] if self.recipient else [],
            }
        return {
            "id": self.id,
            "type": int(self.type),
            "guild_id": self.guild_id,
            "name": self.name,
            "position": 0,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "last_message_id": self.last_message_id(),
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "flags": 0,
        }

    def last_message_id(self) -> str | None:
        public = [m.id for m in self.messages.values() if not m.deleted and not m.is_ephemeral]
        return public[-1] if public else None


@dataclass(slots=True)
class Upload:
    """A file announced by POST /attachments and (once PUT) stored, waiting to be referenced."""

    upload_filename: str  # "<uuid>/<filename>"
    filename: str
    declared_size: int
    channel_id: str
    user_id: str
    upload_id: str
    data: bytes | None = None
