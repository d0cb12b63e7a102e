"""Posting, editing and deleting channel messages, and telling the right sessions about it."""

from __future__ import annotations

from typing import Any

from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.dispatch import Dispatcher
from mjproxy.sandbox.entities import Channel, StoredMessage
from mjproxy.sandbox.protocol import JsonObject
from mjproxy.sandbox.state import World


class ChannelMessages:
    """The one way messages change, so the store and the gateway never disagree."""

    def __init__(self, *, world: World, dispatcher: Dispatcher) -> None:
        self._world = world
        self._dispatcher = dispatcher

    def create(
        self,
        channel: Channel,
        data: JsonObject,
        *,
        ephemeral_to: tuple[str | None, str] | None = None,
        actions: dict[str, Any] | None = None,
        job_uuid: str | None = None,
    ) -> StoredMessage:
        """Store `data` and dispatch MESSAGE_CREATE; `ephemeral_to` = (session id, user id)."""
        stored = StoredMessage(data, actions=actions or {}, job_uuid=job_uuid)
        if ephemeral_to is not None:
            stored.ephemeral_session, stored.ephemeral_user = ephemeral_to
        self._world.store_message(channel, stored)
        self._emit(stored, "MESSAGE_CREATE", stored.data)
        return stored

    def update(
        self, stored: StoredMessage, changes: JsonObject, *, actions: dict[str, Any] | None = None
    ) -> None:
        """Apply `changes`, stamp `edited_timestamp`, dispatch MESSAGE_UPDATE (the full message)."""
        if stored.deleted:
            return
        stored.data.update(changes)
        stored.data["edited_timestamp"] = Clock.iso_timestamp()
        if actions is not None:
            stored.actions = actions
        self._emit(stored, "MESSAGE_UPDATE", stored.data)

    def delete(self, stored: StoredMessage) -> None:
        if stored.deleted:
            return
        stored.deleted = True
        data: JsonObject = {"id": stored.id, "channel_id": stored.channel_id}
        if stored.data.get("guild_id"):
            data["guild_id"] = stored.data["guild_id"]
        self._emit(stored, "MESSAGE_DELETE", data)

    def _emit(self, stored: StoredMessage, event: str, data: JsonObject) -> None:
        if stored.ephemeral_user is not None:
            self._dispatcher.to_session(
                stored.ephemeral_session, stored.ephemeral_user, event, data
            )
        else:
            self._dispatcher.to_channel(stored.channel_id, event, data)
