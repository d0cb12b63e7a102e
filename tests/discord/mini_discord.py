"""A tiny scripted Discord (gateway + REST) for wiring tests of the account runtime.

It knows just enough Midjourney to run one imagine, one U button and one modal flow,
written from discord-protocol.md; the full simulator is `mjproxy.sandbox`, which the
end-to-end suites use. A test double: it lives under tests/ only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from websockets.exceptions import ConnectionClosed

from tests.discord.fake_gateway import FakeGateway

MJ_APP = "936929561302675456"
MJ_USER = {"id": MJ_APP, "username": "Midjourney Bot", "bot": True}
USER_ID = "4242"
CHANNEL = "100"
GUILD = "200"


class MiniDiscord:
    def __init__(self, gateway: FakeGateway) -> None:
        self.gateway = gateway
        self.imagine_version = "1"
        self.interactions: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.result_stored = asyncio.Event()
        self.hold_results = asyncio.Event()
        self.hold_results.set()
        self._next_id = 0
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.modal_open: dict[str, str] = {}
        self.rate_limit_next = 0  # answer this many interactions with 429 first
        self.progress_sent = asyncio.Event()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v9"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(f"/api/v9/guilds/{GUILD}/application-command-index", self._index)
        app.router.add_post("/api/v9/interactions", self._interaction)
        app.router.add_get(f"/api/v9/channels/{CHANNEL}/messages", self._messages)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        assert self._runner is not None
        await self._runner.cleanup()

    def snowflake(self) -> str:
        now = ((time.time_ns() // 1_000_000) - 1_420_070_400_000) << 22
        self._next_id = max(self._next_id + 1, now)
        return str(self._next_id)

    async def _index(self, request: web.Request) -> web.Response:
        commands = [
            {
                "id": "938956540159881230",
                "version": self.imagine_version,
                "name": "imagine",
                "application_id": MJ_APP,
            },
        ]
        return web.json_response(
            {"application_commands": commands, "applications": [], "version": "1"}
        )

    async def _messages(self, request: web.Request) -> web.Response:
        return web.json_response(list(reversed(self.history)))

    async def _interaction(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.interactions.append(body)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            limited = {
                "message": "You are being rate limited.",
                "retry_after": 0.02,
                "global": False,
            }
            return web.json_response(limited, status=429)
        if body["type"] == 2 and body["data"]["version"] != self.imagine_version:
            return web.json_response(
                {
                    "code": 50035,
                    "errors": {
                        "data": {
                            "_errors": [
                                {
                                    "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                                    "message": "outdated",
                                }
                            ]
                        }
                    },
                    "message": "Invalid Form Body",
                },
                status=400,
            )
        script = self._script_for(body)
        self._spawn(script(body))
        return web.Response(status=204)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _script_for(self, body: dict[str, Any]) -> Callable[[dict[str, Any]], Awaitable[None]]:
        if body["type"] == 2:
            return self._imagine
        custom_id = body["data"]["custom_id"]
        if body["type"] == 3 and custom_id.startswith("MJ::CustomZoom::"):
            return self._open_zoom_modal
        if body["type"] == 5:
            return self._zoom
        return self._upscale

    async def _send(self, name: str, data: dict[str, Any]) -> None:
        # A client that went away simply misses the event, as on Discord.
        with contextlib.suppress(ConnectionClosed):
            await self.gateway.dispatch(name, data)

    def _message(self, content: str, **extra: Any) -> dict[str, Any]:
        message = {
            "id": self.snowflake(),
            "channel_id": CHANNEL,
            "guild_id": GUILD,
            "author": MJ_USER,
            "content": content,
            "flags": 0,
            **extra,
        }
        return message

    async def _imagine(self, body: dict[str, Any]) -> None:
        prompt = body["data"]["options"][0]["value"]
        notice = {"BANNED": "Banned prompt detected", "CAPTCHA": "Action needed to continue"}
        for word, title in notice.items():
            if word in prompt:
                embed = {"title": title, "description": "Sorry.", "color": 16711680}
                await self._send(
                    "MESSAGE_CREATE", self._message("", nonce=body["nonce"], embeds=[embed])
                )
                return
        await self._job(body, prompt, f"**{prompt}** - <@{USER_ID}> (fast)", reply_to=None)

    async def _job(
        self, body: dict[str, Any], prompt: str, final: str, *, reply_to: str | None
    ) -> None:
        nonce, iid, job = body["nonce"], self.snowflake(), str(uuid.uuid4())
        meta = {"id": iid, "type": body["type"], "user": {"id": USER_ID}, "name": "imagine"}
        await self._send("INTERACTION_CREATE", {"id": iid, "nonce": nonce})
        start = self._message(
            f"**{prompt}** - <@{USER_ID}> (Waiting to start)",
            nonce=nonce,
            interaction_metadata=meta,
        )
        await self._send("MESSAGE_CREATE", start)
        await self._send("INTERACTION_SUCCESS", {"id": iid, "nonce": nonce})
        preview = {
            "url": f"http://cdn/attachments/{CHANNEL}/1/{job}_grid_0.webp",
            "filename": f"{job}_grid_0.webp",
        }
        await self._send(
            "MESSAGE_UPDATE",
            {
                **start,
                "content": f"**{prompt}** - <@{USER_ID}> (50%) (fast)",
                "attachments": [preview],
            },
        )
        self.progress_sent.set()
        await self.hold_results.wait()
        result = self._message(
            final,
            attachments=[
                {
                    "url": f"http://cdn/attachments/{CHANNEL}/2/bob_{job}.png",
                    "filename": f"bob_{job}.png",
                }
            ],
            components=[
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 2,
                            "custom_id": f"MJ::JOB::upsample::{i}::{job}",
                            "label": f"U{i}",
                            "style": 2,
                        }
                        for i in range(1, 5)
                    ]
                    + [
                        {
                            "type": 2,
                            "custom_id": f"MJ::CustomZoom::{job}",
                            "label": "Custom Zoom",
                            "style": 2,
                        }
                    ],
                }
            ],
            interaction_metadata=meta,
        )
        if reply_to:
            result["message_reference"] = {"message_id": reply_to, "channel_id": CHANNEL}
        self.history.append(result)
        self.result_stored.set()
        await self._send("MESSAGE_CREATE", result)
        await self._send("MESSAGE_DELETE", {"id": start["id"], "channel_id": CHANNEL})

    async def _upscale(self, body: dict[str, Any]) -> None:
        index = body["data"]["custom_id"].split("::")[3]
        iid, job = self.snowflake(), str(uuid.uuid4())
        await self._send("INTERACTION_CREATE", {"id": iid, "nonce": body["nonce"]})
        await self._send("INTERACTION_SUCCESS", {"id": iid, "nonce": body["nonce"]})
        result = self._message(
            f"**cat** - Image #{index} <@{USER_ID}>",
            attachments=[{"url": f"http://cdn/attachments/{CHANNEL}/3/bob_{job}.png"}],
            message_reference={"message_id": body["message_id"], "channel_id": CHANNEL},
            interaction_metadata={"id": iid, "type": 3, "user": {"id": USER_ID}},
        )
        await self._send("MESSAGE_CREATE", result)

    async def _open_zoom_modal(self, body: dict[str, Any]) -> None:
        iid = self.snowflake()
        job = body["data"]["custom_id"].split("::")[-1]
        self.modal_open[iid] = job
        await self._send("INTERACTION_CREATE", {"id": iid, "nonce": body["nonce"]})
        await self._send(
            "INTERACTION_MODAL_CREATE",
            {
                "id": iid,
                "nonce": body["nonce"],
                "channel_id": CHANNEL,
                "custom_id": f"MJ::OutpaintCustomZoomModal::{job}",
                "title": "Zoom Out",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 4,
                                "custom_id": "MJ::OutpaintCustomZoomModal::prompt",
                                "value": "cat --zoom 2",
                            }
                        ],
                    }
                ],
            },
        )

    async def _zoom(self, body: dict[str, Any]) -> None:
        assert body["data"]["id"] in self.modal_open, (
            "modal submit must name the modal's interaction"
        )
        prompt = body["data"]["components"][0]["components"][0]["value"]
        await self._job(
            body, prompt, f"**{prompt}** - Zoom Out by <@{USER_ID}> (fast)", reply_to=None
        )
