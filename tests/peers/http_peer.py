"""A scriptable HTTP server on 127.0.0.1 (aiohttp): a CDN that serves files, a webhook receiver.

The listening socket is bound at construction but only listens once `start()` runs, so a test
can hand out the URL of a receiver that is "down" (connection refused) and bring it up later
on the same port without racing anyone for it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Responder = Callable[["Recorded"], Awaitable[web.StreamResponse]]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int = 0


@dataclass
class HttpPeer:
    """Records every request; `respond` decides each answer (default 200 `ok`)."""

    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    respond: Responder | None = None

    def __post_init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._socket.close()

    async def wait_for(
        self, predicate: Callable[[list[Recorded]], bool], timeout_s: float = 20
    ) -> None:
        """Wait until `predicate(self.requests)` holds, or fail after `timeout_s`."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: predicate(self.requests))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        record = Recorded(
            method=request.method,
            path=request.path_qs,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.read(),
        )
        self.requests.append(record)
        try:
            response = await self._answer(record)
            record.answered = response.status
            return response
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _answer(self, record: Recorded) -> web.StreamResponse:
        if record.path in self.files:
            data, content_type = self.files[record.path]
            return web.Response(body=data, content_type=content_type)
        if self.respond is not None:
            return await self.respond(record)
        return web.Response(text="ok")
