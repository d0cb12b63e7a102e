"""The REST route table, mounted under both `/api/v9` and `/api/v10`."""

from __future__ import annotations

from aiohttp import web

from mjproxy.sandbox.rest.channels import ChannelRoutes
from mjproxy.sandbox.rest.deps import RestDeps
from mjproxy.sandbox.rest.interactions import InteractionRoutes
from mjproxy.sandbox.rest.users import UserRoutes

API_VERSIONS = (9, 10)
_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
_REACTION = _MESSAGE + "/reactions/{emoji}/@me"


def add_rest_routes(app: web.Application, deps: RestDeps) -> None:
    interactions = InteractionRoutes(deps)
    channels = ChannelRoutes(deps)
    users = UserRoutes(deps)
    table = [
        ("GET", "/gateway", users.gateway),
        ("GET", "/users/@me", users.me),
        ("GET", "/users/@me/channels", users.dm_channels),
        ("POST", "/users/@me/channels", users.open_dm),
        ("GET", "/users/@me/application-command-index", users.command_index),
        ("GET", "/guilds/{guild_id}/application-command-index", users.command_index),
        ("GET", "/channels/{channel_id}/application-command-index", users.command_index),
        ("GET", "/channels/{channel_id}/application-commands/search", users.command_search),
        ("POST", "/interactions", interactions.post),
        ("GET", "/channels/{channel_id}", channels.get_channel),
        ("GET", "/channels/{channel_id}/messages", channels.list_messages),
        ("POST", "/channels/{channel_id}/messages", channels.post_message),
        ("GET", _MESSAGE, channels.get_message),
        ("POST", "/channels/{channel_id}/attachments", channels.announce_attachments),
        ("DELETE", "/attachments/{upload_filename:.+}", channels.delete_upload),
        ("PUT", _REACTION, channels.add_reaction),
        ("DELETE", _REACTION, channels.remove_reaction),
    ]
    for version in API_VERSIONS:
        for method, path, handler in table:
            app.router.add_route(method, f"/api/v{version}{path}", handler)
