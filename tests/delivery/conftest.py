"""Delivery tests run the real app (scripted engine) with a real CDN and hook receiver on
127.0.0.1, on every database backend."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from mjproxy.domain.task import Task
from tests.harness import App
from tests.images import encode, noise_image
from tests.peers.http_peer import HttpPeer
from tests.scripted_engine import WAIT_S

PUBLIC = "http://mjproxy.test"
API_KEY = "delivery-test-key"
ADMIN_KEY = "delivery-admin-key"
SIGNING_SECRET = "delivery-signing-secret"
GRID = noise_image(128, 96, seed=11)


def media_on(**overrides: Any) -> dict[str, Any]:
    return {"rehost": True, "previews": False, **overrides}


def hooks_on(**overrides: Any) -> dict[str, Any]:
    return {
        "allowed_networks": ["127.0.0.1/32"],
        "signing_secret": SIGNING_SECRET,
        "attempt_timeout_s": 0.5,
        "first_delay_s": 0.05,
        "max_delay_s": 0.2,
        **overrides,
    }


def keyed(**overrides: Any) -> dict[str, Any]:
    """Settings with keys, our public URL and media re-hosting on."""
    values: dict[str, Any] = {
        "api_secret": API_KEY,
        "admin_secret": ADMIN_KEY,
        "public_base_url": PUBLIC,
        "media": media_on(),
    }
    values.update(overrides)
    return values


def is_settled(task: Task) -> bool:
    return task.properties.get("mediaStatus") in ("stored", "failed")


@pytest.fixture
async def cdn() -> AsyncIterator[HttpPeer]:
    peer = HttpPeer()
    peer.files["/grid.png"] = (encode(GRID), "image/png")
    await peer.start()
    try:
        yield peer
    finally:
        await peer.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[HttpPeer]:
    """A hook receiver, bound but down until the test calls `start()`."""
    peer = HttpPeer()
    try:
        yield peer
    finally:
        await peer.stop()


def authorize(app: App) -> None:
    app.client.headers["mj-api-secret"] = API_KEY


@asynccontextmanager
async def anonymous(app: App) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app that sends no key at all."""
    transport = httpx.ASGITransport(app=app.fastapi)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


def free_listener() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


@asynccontextmanager
async def serving(app: FastAPI, listener: socket.socket) -> AsyncIterator[str]:
    """Serve an app whose lifespan already runs on `listener` (a real socket)."""
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT_S)
        listener.close()
