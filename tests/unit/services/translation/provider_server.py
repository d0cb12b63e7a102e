"""A real HTTP server on 127.0.0.1 that plays a translation provider (see conftest.py)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Responder = Callable[[ReceivedRequest], Awaitable[web.StreamResponse]]


@dataclass
class ProviderServer:
    """Records every request; `respond` decides the answer (set it in the test)."""

    base_url: str = ""
    requests: list[ReceivedRequest] = field(default_factory=list)
    respond: Responder | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)
    received: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        received = ReceivedRequest(
            method=request.method,
            path=request.path,
            headers=dict(request.headers),
            body=await request.read(),
        )
        self.requests.append(received)
        self.received.set()
        assert self.respond is not None, "the test did not say how to respond"
        return await self.respond(received)

    async def hang(self, _request: ReceivedRequest) -> web.StreamResponse:
        """A provider that never answers in time (until the test ends)."""
        await self.release.wait()
        return web.json_response({})

    @property
    def only_request(self) -> ReceivedRequest:
        assert len(self.requests) == 1, f"expected one request, got {len(self.requests)}"
        return self.requests[0]


@asynccontextmanager
async def serve_provider() -> AsyncIterator[ProviderServer]:
    server = ProviderServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    server.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        yield server
    finally:
        server.release.set()
        await runner.cleanup()
