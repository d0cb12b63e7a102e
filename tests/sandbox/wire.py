"""A deliberately small raw Discord client for the sandbox's own tests.

It is written from the protocol reference with `websockets` and `httpx` and shares nothing with
the sandbox or the Discord engine, so these tests prove the sandbox against the wire format.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

Payload = dict[str, Any]
MJ_APP_ID = "936929561302675456"
ZLIB_SUFFIX = b"\x00\x00\xff\xff"


class RawGateway:
    """One websocket: decodes text or zlib-stream frames into payloads kept in arrival order."""

    def __init__(self) -> None:
        self.received: list[Payload] = []
        self.frames: list[bytes | str] = []
        self.seq: int | None = None
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._heart: asyncio.Task[None] | None = None
        self._inflator = zlib.decompressobj()
        self._buffer = bytearray()

    async def connect(self, url: str, *, compress: bool = True, version: int = 9) -> None:
        query = f"?v={version}&encoding=json" + ("&compress=zlib-stream" if compress else "")
        base = url.rstrip("/")
        self._ws = await websockets.connect(f"{base}/{query}", max_size=None)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                self.frames.append(frame)
                payload = self._decode(frame)
                if payload is not None:
                    if payload.get("s") is not None:
                        self.seq = payload["s"]
                    self.received.append(payload)
                    self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code
            self.closed.set()
            self._arrived.set()

    def _decode(self, frame: bytes | str) -> Payload | None:
        if isinstance(frame, str):
            return dict(json.loads(frame))
        self._buffer.extend(frame)
        if len(frame) < 4 or frame[-4:] != ZLIB_SUFFIX:
            return None
        text = self._inflator.decompress(bytes(self._buffer))
        self._buffer.clear()
        return dict(json.loads(text))

    async def send(self, payload: Payload) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps(payload))

    async def wait_for(
        self, predicate: Callable[[Payload], bool], *, since: int = 0, timeout_s: float = 5.0
    ) -> Payload:
        """The first received payload (at index ≥ since) matching `predicate`."""
        async with asyncio.timeout(timeout_s):
            while True:
                for payload in self.received[since:]:
                    if predicate(payload):
                        return payload
                if self.closed.is_set():
                    raise ConnectionError(f"gateway closed with {self.close_code}")
                self._arrived.clear()
                await self._arrived.wait()

    async def event(
        self,
        name: str,
        predicate: Callable[[Payload], bool] | None = None,
        *,
        since: int = 0,
        timeout_s: float = 5.0,
    ) -> Payload:
        """The `d` of the first dispatch named `name` (matching `predicate`)."""
        found = await self.wait_for(
            lambda p: p.get("t") == name and (predicate is None or predicate(p["d"])),
            since=since,
            timeout_s=timeout_s,
        )
        return dict(found["d"])

    def events(self, name: str | None = None) -> list[Payload]:
        return [p for p in self.received if p.get("op") == 0 and name in (None, p.get("t"))]

    async def identify(self, token: str, *, capabilities: int = 16381) -> Payload:
        await self.send(
            {
                "op": 2,
                "d": {
                    "token": token,
                    "capabilities": capabilities,
                    "properties": {"os": "Linux", "browser": "Chrome", "device": ""},
                    "presence": {"status": "online", "since": 0, "activities": [], "afk": False},
                    "compress": False,
                },
            }
        )
        return await self.event("READY")

    async def resume(self, token: str, session_id: str, seq: int | None) -> None:
        await self.send({"op": 6, "d": {"token": token, "session_id": session_id, "seq": seq}})

    async def heartbeat(self) -> None:
        await self.send({"op": 1, "d": self.seq})

    def start_heartbeats(self, interval_s: float) -> None:
        async def beat() -> None:
            while True:
                await self.heartbeat()
                await asyncio.sleep(interval_s)

        self._heart = asyncio.create_task(beat())

    async def close(self, code: int = 1000) -> None:
        if self._heart is not None:
            self._heart.cancel()
        if self._ws is not None:
            await self._ws.close(code)
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


class RawRest:
    """REST calls the way a user client makes them (token without a prefix)."""

    def __init__(self, api_base_url: str, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=api_base_url, headers={"Authorization": token}, timeout=10.0
        )
        self._commands: dict[str, Payload] | None = None
        self._nonce = 1_000_000_000_000_000_000

    def nonce(self) -> str:
        self._nonce += 1
        return str(self._nonce)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def commands(self, channel_id: str, *, refresh: bool = False) -> dict[str, Payload]:
        """The MJ bot's commands by name, from the command index (never hard-coded)."""
        if self._commands is None or refresh:
            response = await self.http.get(f"/channels/{channel_id}/application-command-index")
            response.raise_for_status()
            self._commands = {
                c["name"]: c
                for c in response.json()["application_commands"]
                if c["application_id"] == MJ_APP_ID
            }
        return self._commands

    async def command(
        self,
        name: str,
        *,
        channel_id: str,
        guild_id: str | None,
        session_id: str,
        options: list[Payload] | None = None,
        attachments: list[Payload] | None = None,
        nonce: str | None = None,
    ) -> httpx.Response:
        command = (await self.commands(channel_id))[name]
        data: Payload = {
            "version": command["version"],
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": options or [],
            "attachments": attachments or [],
        }
        body: Payload = {
            "type": 2,
            "application_id": MJ_APP_ID,
            "channel_id": channel_id,
            "session_id": session_id,
            "nonce": nonce or self.nonce(),
            "data": data,
        }
        if guild_id is not None:
            body["guild_id"] = guild_id
        return await self.http.post("/interactions", json=body)

    async def click(
        self,
        message: Payload,
        custom_id: str,
        *,
        session_id: str,
        nonce: str | None = None,
        values: list[str] | None = None,
    ) -> httpx.Response:
        data: Payload = {"component_type": 3 if values else 2, "custom_id": custom_id}
        if values:
            data["values"] = values
        body: Payload = {
            "type": 3,
            "application_id": MJ_APP_ID,
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "message_flags": message.get("flags", 0),
            "session_id": session_id,
            "nonce": nonce or self.nonce(),
            "data": data,
        }
        if message.get("guild_id"):
            body["guild_id"] = message["guild_id"]
        return await self.http.post("/interactions", json=body)

    async def submit_modal(
        self,
        modal: Payload,
        value: str,
        *,
        session_id: str,
        guild_id: str | None,
        nonce: str | None = None,
    ) -> httpx.Response:
        """Submit a modal from its INTERACTION_MODAL_CREATE `d`, typing `value` into its input."""
        text_input = modal["components"][0]["components"][0]
        body: Payload = {
            "type": 5,
            "application_id": MJ_APP_ID,
            "channel_id": modal["channel_id"],
            "session_id": session_id,
            "nonce": nonce or self.nonce(),
            "data": {
                "id": modal["id"],
                "custom_id": modal["custom_id"],
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 4, "custom_id": text_input["custom_id"], "value": value}
                        ],
                    }
                ],
            },
        }
        if guild_id is not None:
            body["guild_id"] = guild_id
        return await self.http.post("/interactions", json=body)

    async def upload(self, channel_id: str, filename: str, data: bytes) -> str:
        """The cloud-upload flow; returns the `uploaded_filename` to reference."""
        announce = await self.http.post(
            f"/channels/{channel_id}/attachments",
            json={"files": [{"filename": filename, "file_size": len(data), "id": "0"}]},
        )
        announce.raise_for_status()
        slot = announce.json()["attachments"][0]
        async with httpx.AsyncClient(timeout=10.0) as plain:
            put = await plain.put(slot["upload_url"], content=data)
            put.raise_for_status()
        return str(slot["upload_filename"])


def find_button(message: Payload, label: str | None = None, *, prefix: str | None = None) -> str:
    """The custom_id of the button with `label` (or whose custom_id starts with `prefix`)."""
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if label is not None and component.get("label") == label:
                return str(component["custom_id"])
            custom_id = component.get("custom_id")
            if prefix is not None and custom_id and str(custom_id).startswith(prefix):
                return str(custom_id)
    raise LookupError(f"no button {label or prefix!r} on message {message.get('id')}")
