"""User, gateway and command-index routes."""

from __future__ import annotations

from aiohttp import web

from mjproxy.sandbox.protocol import ErrorCode
from mjproxy.sandbox.rest.bodies import read_json_object
from mjproxy.sandbox.rest.deps import RestDeps, account_of
from mjproxy.sandbox.rest.errors import (
    RestError,
    missing_access,
    unknown_channel,
    unknown_guild,
)


class UserRoutes:
    def __init__(self, deps: RestDeps) -> None:
        self._deps = deps

    async def gateway(self, request: web.Request) -> web.Response:
        return web.json_response({"url": self._deps.gateway_url})

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(account_of(request).user.to_private_json())

    async def dm_channels(self, request: web.Request) -> web.Response:
        account = account_of(request)
        channels = self._deps.world.dm_channels_of(account)
        return web.json_response([c.to_json() for c in channels])

    async def open_dm(self, request: web.Request) -> web.Response:
        """POST /users/@me/channels with `recipients: [id]` or `recipient_id`: the DM with a bot."""
        account = account_of(request)
        body = await read_json_object(request)
        recipients = body.get("recipients")
        recipient = body.get("recipient_id")
        if isinstance(recipients, list) and len(recipients) == 1:
            recipient = recipients[0]
        channel_id = account.dm_channel_ids.get(str(recipient))
        if channel_id is None:
            raise RestError(400, ErrorCode.CANNOT_SEND_TO_USER, "Cannot send messages to this user")
        return web.json_response(self._deps.world.channels[channel_id].to_json())

    async def command_index(self, request: web.Request) -> web.Response:
        """Any of the three …/application-command-index routes (guild, channel, user)."""
        account = account_of(request)
        guild_id = request.match_info.get("guild_id")
        channel_id = request.match_info.get("channel_id")
        if guild_id is not None:
            guild = self._deps.world.guilds.get(guild_id)
            if guild is None:
                raise unknown_guild()
            if account.user_id not in guild.member_ids:
                raise missing_access()
        if channel_id is not None and self._deps.world.visible_channel(account, channel_id) is None:
            raise unknown_channel()
        return web.json_response(self._deps.commands.index())

    async def command_search(self, request: web.Request) -> web.Response:
        account = account_of(request)
        if self._deps.world.visible_channel(account, request.match_info["channel_id"]) is None:
            raise unknown_channel()
        query = request.query
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 10
        body = self._deps.commands.search(
            query.get("query", ""),
            limit=max(1, min(limit, 25)),
            include_applications=query.get("include_applications", "false") == "true",
        )
        return web.json_response(body)
