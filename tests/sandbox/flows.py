"""Multi-step helpers shared by the button, remix and command tests."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from .conftest import Client
from .wire import Payload, find_button


async def grid_for(client: Client, prompt: str) -> Payload:
    """Imagine `prompt` and return the finished grid message."""
    return await client.result_of(await client.imagine(prompt))


async def reply_to(
    client: Client, source: Payload, *, since: int = 0, timeout_s: float = 10.0
) -> Payload:
    """The next message with attachments that replies to `source` (a button job's result)."""
    return await client.gateway.event(
        "MESSAGE_CREATE",
        lambda d: (
            (d.get("message_reference") or {}).get("message_id") == source["id"]
            and bool(d.get("attachments"))
        ),
        since=since,
        timeout_s=timeout_s,
    )


async def press(
    client: Client, message: Payload, label: str | None = None, *, prefix: str | None = None
) -> Payload:
    """Click a button on `message` and return the job result that replies to it."""
    mark = len(client.gateway.received)
    await client.click(message, find_button(message, label, prefix=prefix))
    return await reply_to(client, message, since=mark)


async def picked(client: Client, prompt: str, index: int = 1) -> tuple[Payload, Payload]:
    """A grid and its U`index` single image."""
    grid = await grid_for(client, prompt)
    return grid, await press(client, grid, f"U{index}")


async def modal_for(client: Client, nonce: str) -> Payload:
    return await client.gateway.event("INTERACTION_MODAL_CREATE", lambda d: d["nonce"] == nonce)


async def fetch_image(url: str) -> Image.Image:
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    response.raise_for_status()
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image
