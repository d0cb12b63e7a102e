"""ASGI middleware: JSON bodies whatever the Content-Type, and a last guard against crashes.

Clients send JSON with any Content-Type or none (new-api copies the end client's header,
which may be empty; `curl -d` says form-urlencoded), and new-api sends `null` as the body
of a GET. So every body is treated as JSON, an empty or `null` body is `{}`, and the route
decides what it needs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mjproxy.api.errors import error_body, is_submit_route

logger = logging.getLogger(__name__)

_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class JsonBodyMiddleware:
    """Reads the whole body (bounded), normalises it to JSON and replays it to the app."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY_METHODS:
            await self.app(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            limit_mb = self.max_body_bytes / (1024 * 1024)
            text = f"The request body is larger than the {limit_mb:.0f} MB limit."
            await _send_json(send, 413, error_body(4, text))
            return
        if not body.strip() or body.strip() == b"null":
            body = b"{}"
        if b"\\u0000" in body:
            text = "The request body contains a NUL character (\\u0000), which cannot be stored."
            status = 200 if is_submit_route(scope["path"]) else 400
            await _send_json(send, status, error_body(4, text))
            return
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-type", b"content-length")
        ]
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


class CrashGuardMiddleware:
    """Any exception no handler claimed: log it once, answer code 9 JSON, keep serving."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("%s %s crashed", scope["method"], scope["path"])
            if started:
                raise
            text = "Internal error while handling the request; the server log has the details."
            await _send_json(send, 500, error_body(9, text))


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(payload)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
