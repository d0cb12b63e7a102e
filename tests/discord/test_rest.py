"""The REST client against a small scripted HTTP server on 127.0.0.1 (real sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from mjproxy.domain.account import Secret
from mjproxy.domain.errors import AccountUnusable, RateLimited, StaleCommand, UpstreamError
from mjproxy.engines.discord.commands import CommandIndex
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.rest import DiscordRest

TOKEN = "user-token-never-shown"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Server:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.handlers: dict[tuple[str, str], list[Handler]] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    def on(self, method: str, path: str, *handlers: Handler) -> None:
        self.handlers[(method, path)] = list(handlers)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.calls.append((request.method, request.path, dict(request.headers)))
        queue = self.handlers.get((request.method, request.path))
        if not queue:
            return web.json_response({"message": "404: Not Found", "code": 0}, status=404)
        handler = queue.pop(0) if len(queue) > 1 else queue[0]
        return await handler(request)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(body, status=status, headers=headers)

    return handler


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    await srv.start()
    yield srv
    assert srv.runner is not None
    await srv.runner.cleanup()


@pytest.fixture
async def rest(server: Server) -> AsyncIterator[DiscordRest]:
    client = DiscordRest(
        account_id="acc",
        token=Secret(TOKEN),
        user_agent="ua",
        endpoints=DiscordEndpoints(api=f"{server.base}/api/v9"),
        max_rate_limit_wait_s=2.0,
    )
    yield client
    await client.aclose()


async def test_interaction_sends_raw_token_and_accepts_204(
    server: Server, rest: DiscordRest
) -> None:
    server.on("POST", "/api/v9/interactions", reply(204))
    await rest.interact({"type": 2})
    assert server.calls[0][2]["Authorization"] == TOKEN


async def test_429_waits_retry_after_then_succeeds(server: Server, rest: DiscordRest) -> None:
    limited = {
        "message": "The resource is being rate limited.",
        "retry_after": 0.05,
        "global": False,
    }
    server.on("POST", "/api/v9/interactions", reply(429, limited), reply(429, limited), reply(204))
    await rest.interact({"type": 2})
    assert len(server.calls) == 3


async def test_global_429_pauses_every_route_of_the_account(
    server: Server, rest: DiscordRest
) -> None:
    server.on(
        "POST",
        "/api/v9/interactions",
        reply(429, {"message": "You are being rate limited.", "retry_after": 0.05, "global": True}),
        reply(204),
    )
    await rest.interact({})
    rest.limiter.pause_global(30)
    server.on("GET", "/api/v9/channels/1/messages", reply(200, []))
    with pytest.raises(RateLimited) as caught:
        await rest.messages("1")
    assert caught.value.retry_after_s > 2


async def test_a_long_run_of_short_429s_is_waited_out(server: Server, rest: DiscordRest) -> None:
    limited = reply(429, {"message": "You are being rate limited.", "retry_after": 0.01})
    server.on("POST", "/api/v9/interactions", *[limited] * 8, reply(204))
    await rest.interact({"type": 2})
    assert len(server.calls) == 9


async def test_429s_adding_up_beyond_the_maximum_raise(server: Server, rest: DiscordRest) -> None:
    limited = reply(429, {"message": "You are being rate limited.", "retry_after": 0.6})
    server.on("POST", "/api/v9/interactions", *[limited] * 5, reply(204))
    with pytest.raises(RateLimited) as caught:
        await rest.interact({"type": 2})
    assert "2 s" in str(caught.value)
    assert len(server.calls) == 4  # 0.6 s × 4 = 2.4 s > the 2 s this client waits


async def test_retry_after_beyond_the_maximum_raises(server: Server, rest: DiscordRest) -> None:
    server.on("POST", "/api/v9/interactions", reply(429, {"retry_after": 64.57, "global": False}))
    with pytest.raises(RateLimited):
        await rest.interact({})


async def test_bucket_headers_make_the_next_call_wait_not_fail(
    server: Server, rest: DiscordRest
) -> None:
    empty = {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": "0.05",
    }
    server.on("GET", "/api/v9/channels/1/messages", reply(200, [], empty))
    await rest.messages("1")
    await rest.messages("1")
    assert len(server.calls) == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"message": "401: Unauthorized", "code": 0}),
        (403, {"message": "Missing Access", "code": 50001}),
    ],
    ids=["401", "403"],
)
async def test_unauthorized_or_forbidden_means_the_account_is_unusable_without_leaking_the_token(
    server: Server, rest: DiscordRest, status: int, body: dict[str, Any]
) -> None:
    server.on("POST", "/api/v9/interactions", reply(status, body))
    with pytest.raises(AccountUnusable) as caught:
        await rest.interact({})
    assert TOKEN not in str(caught.value)
    assert str(status) in str(caught.value) or body["message"] in str(caught.value)


async def test_stale_command_version_is_its_own_error(server: Server, rest: DiscordRest) -> None:
    body = {
        "code": 50035,
        "errors": {
            "data": {
                "_errors": [
                    {
                        "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                        "message": "This command is outdated, please try again in a few minutes",
                    }
                ]
            }
        },
        "message": "Invalid Form Body",
    }
    server.on("POST", "/api/v9/interactions", reply(400, body))
    with pytest.raises(StaleCommand):
        await rest.interact({})


async def test_unknown_message_is_an_upstream_error(server: Server, rest: DiscordRest) -> None:
    server.on(
        "POST", "/api/v9/interactions", reply(404, {"message": "Unknown Message", "code": 10008})
    )
    with pytest.raises(UpstreamError) as caught:
        await rest.interact({})
    assert caught.value.code == 10008
    assert "Unknown Message" in str(caught.value)


async def test_unreachable_server_is_an_upstream_error() -> None:
    client = DiscordRest(
        account_id="a",
        token=Secret(TOKEN),
        user_agent="ua",
        endpoints=DiscordEndpoints(api="http://127.0.0.1:9/api/v9"),
    )
    with pytest.raises(UpstreamError):
        await client.interact({})
    await client.aclose()


async def test_upload_flow_puts_bytes_without_the_token(server: Server, rest: DiscordRest) -> None:
    received: list[bytes] = []

    async def put(request: web.Request) -> web.StreamResponse:
        received.append(await request.read())
        return web.Response(status=200)

    slot = {
        "id": "0",
        "upload_url": f"{server.base}/upload/u1/cat.png?upload_id=x",
        "upload_filename": "u1/cat.png",
    }
    server.on("POST", "/api/v9/channels/5/attachments", reply(200, {"attachments": [slot]}))
    server.on("PUT", "/upload/u1/cat.png", put)
    slots = await rest.create_attachments("5", [("cat.png", 3)])
    await rest.upload(slots[0], b"png")
    assert received == [b"png"]
    assert slots[0].filename == "cat.png"
    assert "Authorization" not in server.calls[-1][2]


async def test_command_index_is_cached_and_refreshed_on_demand(
    server: Server, rest: DiscordRest
) -> None:
    def index(version: str) -> dict[str, Any]:
        return {
            "application_commands": [
                {
                    "id": "938956540159881230",
                    "version": version,
                    "name": "imagine",
                    "application_id": "936929561302675456",
                }
            ]
        }

    server.on(
        "GET",
        "/api/v9/guilds/7/application-command-index",
        reply(200, index("1")),
        reply(200, index("2")),
    )

    async def source() -> dict[str, Any]:
        return await rest.command_index(guild_id="7", channel_id="5")

    commands = CommandIndex(source, min_refresh_interval_s=0)
    assert (await commands.get("936929561302675456", "imagine")).version == "1"
    assert (await commands.get("936929561302675456", "imagine")).version == "1"
    await commands.refresh()
    assert (await commands.get("936929561302675456", "imagine")).version == "2"
    assert commands.loads == 2
    with pytest.raises(UpstreamError):
        await commands.get("936929561302675456", "blend")
