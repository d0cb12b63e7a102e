"""Channel routes: channel info, message history, posting messages, reactions, uploads."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Mapping

from aiohttp import web

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.entities import Channel, StoredMessage
from mjproxy.sandbox.images import image_size
from mjproxy.sandbox.protocol import MAX_NONCE_LENGTH, ErrorCode, JsonObject, MessageType
from mjproxy.sandbox.rest.bodies import FilePart, read_json_object, read_multipart
from mjproxy.sandbox.rest.deps import RestDeps, account_of
from mjproxy.sandbox.rest.errors import (
    FormErrors,
    RestError,
    missing_access,
    unknown_channel,
    unknown_message,
)

MAX_CONTENT_LENGTH = 2000


class ChannelRoutes:
    def __init__(self, deps: RestDeps) -> None:
        self._deps = deps

    def _channel(self, request: web.Request) -> Channel:
        channel = self._deps.world.channels.get(request.match_info["channel_id"])
        if channel is None:
            raise unknown_channel()
        if account_of(request).user_id not in channel.member_ids:
            raise missing_access()
        return channel

    def _message(self, request: web.Request, channel: Channel) -> StoredMessage:
        message = self._deps.world.live_message(channel.id, request.match_info["message_id"])
        if message is None or message.is_ephemeral:
            raise unknown_message()
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        return web.json_response(self._channel(request).to_json())

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit_text = request.query.get("limit", "50")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
            errors = FormErrors()
            errors.add(["limit"], "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
            errors.raise_if_any()
        found = [m for m in channel.messages.values() if not m.deleted and not m.is_ephemeral]
        found = _page(found, request.query, int(limit_text))
        return web.json_response([m.data for m in reversed(found)])

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return web.json_response(self._message(request, channel).data)

    async def post_message(self, request: web.Request) -> web.Response:
        account = account_of(request)
        channel = self._channel(request)
        files: list[FilePart] = []
        if request.content_type == "multipart/form-data":
            payload, files = await read_multipart(request)
        else:
            payload = await read_json_object(request)
        errors = FormErrors()
        content = payload.get("content") or ""
        if not isinstance(content, str) or len(content) > MAX_CONTENT_LENGTH:
            errors.add(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        nonce = payload.get("nonce")
        if nonce is not None and len(str(nonce)) > MAX_NONCE_LENGTH:
            errors.add(["nonce"], "BASE_TYPE_BAD_LENGTH", "Must be 25 or fewer in length.")
        cloud = [
            a
            for a in payload.get("attachments") or []
            if isinstance(a, dict) and "uploaded_filename" in a
        ]
        uploads = self._deps.uploads.resolve(account, cloud, errors, ["attachments"])
        errors.raise_if_any()
        parts: list[tuple[str, bytes, str | None]] = [
            (u.filename, u.data or b"", None) for u in uploads
        ]
        parts += [(f.filename, f.data, f.content_type) for f in files]
        if not content and not parts:
            raise RestError(
                400, ErrorCode.CANNOT_SEND_EMPTY_MESSAGE, "Cannot send an empty message"
            )
        attachments = [await self._store(channel, *part) for part in parts]
        for upload in uploads:
            self._deps.world.uploads.pop(upload.upload_filename, None)
        message = _user_message(self._deps.ids.snowflake(), account, channel, str(content))
        message["attachments"] = attachments
        if nonce is not None:
            message["nonce"] = str(nonce)
        self._deps.messages.create(channel, message)
        return web.json_response(message)

    async def _store(
        self, channel: Channel, filename: str, data: bytes, content_type: str | None
    ) -> JsonObject:
        guessed = mimetypes.guess_type(filename)[0]
        kind = guessed or content_type or "application/octet-stream"
        size = await asyncio.to_thread(image_size, data)
        return self._deps.cdn.put(channel.id, filename, data, kind, size=size)

    async def announce_attachments(self, request: web.Request) -> web.Response:
        account = account_of(request)
        channel = self._channel(request)
        body = await read_json_object(request)
        announced = self._deps.uploads.announce(account, channel.id, body)
        return web.json_response({"attachments": announced})

    async def delete_upload(self, request: web.Request) -> web.Response:
        self._deps.uploads.discard(account_of(request), request.match_info["upload_filename"])
        return web.Response(status=204)

    async def add_reaction(self, request: web.Request) -> web.Response:
        account = account_of(request)
        channel = self._channel(request)
        message = self._message(request, channel)
        emoji = request.match_info["emoji"]
        _count_reaction(message, emoji, account)
        self._deps.dispatcher.to_channel(
            channel.id, "MESSAGE_REACTION_ADD", _reaction_event(account, message, emoji)
        )
        self._deps.bot.react(account, message, emoji)
        return web.Response(status=204)

    async def remove_reaction(self, request: web.Request) -> web.Response:
        account = account_of(request)
        channel = self._channel(request)
        message = self._message(request, channel)
        emoji = request.match_info["emoji"]
        reactions = message.data.get("reactions") or []
        message.data["reactions"] = [r for r in reactions if r["emoji"]["name"] != emoji]
        self._deps.dispatcher.to_channel(
            channel.id, "MESSAGE_REACTION_REMOVE", _reaction_event(account, message, emoji)
        )
        return web.Response(status=204)


def _page(
    messages: list[StoredMessage], query: Mapping[str, str], limit: int
) -> list[StoredMessage]:
    """Oldest-first messages narrowed by before/after/around, at most `limit` of them."""
    before, after, around = query.get("before"), query.get("after"), query.get("around")
    if before and before.isdigit():
        messages = [m for m in messages if int(m.id) < int(before)]
    if after and after.isdigit():
        return [m for m in messages if int(m.id) > int(after)][:limit]
    if around and around.isdigit():
        ids = [int(m.id) for m in messages]
        centre = next((i for i, value in enumerate(ids) if value >= int(around)), len(ids))
        start = max(0, centre - limit // 2)
        return messages[start : start + limit]
    return messages[-limit:]


def _user_message(message_id: str, account: Account, channel: Channel, content: str) -> JsonObject:
    message: JsonObject = {
        "id": message_id,
        "type": int(MessageType.DEFAULT),
        "content": content,
        "channel_id": channel.id,
        "author": account.user.to_json(),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": Clock.iso_timestamp(),
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }
    if channel.guild_id is not None:
        message["guild_id"] = channel.guild_id
    return message


def _count_reaction(message: StoredMessage, emoji: str, account: Account) -> None:
    reactions: list[JsonObject] = message.data.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["emoji"]["name"] == emoji:
            if not reaction["me"]:
                reaction["count"] += 1
                reaction["me"] = True
            return
    reactions.append(
        {
            "emoji": {"id": None, "name": emoji},
            "count": 1,
            "me": True,
            "burst_colors": [],
            "count_details": {"burst": 0, "normal": 1},
        }
    )


def _reaction_event(account: Account, message: StoredMessage, emoji: str) -> JsonObject:
    event: JsonObject = {
        "user_id": account.user_id,
        "channel_id": message.channel_id,
        "message_id": message.id,
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if message.data.get("guild_id"):
        event["guild_id"] = message.data["guild_id"]
    return event
