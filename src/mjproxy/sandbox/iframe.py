"""The Vary (Region) editor's backend: `…discordsays.com/inpaint/api/submit-job` (ref §3.6).

Served at `/inpaint/api/submit-job` and `/discordsays/<application id>/inpaint/api/submit-job`;
the body is `{customId, prompt, mask (base64 PNG), userId, username}`.
"""

from __future__ import annotations

import json
from typing import Protocol

from aiohttp import web


class InpaintSink(Protocol):
    def submit_inpaint(self, custom_id: str, prompt: str, mask_b64: str) -> str | None: ...


class IframeRoutes:
    def __init__(self, bot: InpaintSink) -> None:
        self._bot = bot

    async def submit_job(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        if not isinstance(body, dict):
            return _refuse("Expected a JSON object with customId, prompt and mask.")
        custom_id, prompt, mask = body.get("customId"), body.get("prompt", ""), body.get("mask")
        if (
            not isinstance(custom_id, str)
            or not isinstance(mask, str)
            or not isinstance(prompt, str)
        ):
            return _refuse("Expected string fields customId, prompt and mask.")
        error = self._bot.submit_inpaint(custom_id, prompt, mask)
        if error is not None:
            return _refuse(error)
        return web.json_response({"success": True})


def _refuse(reason: str) -> web.Response:
    return web.json_response({"success": False, "error": reason}, status=400)
