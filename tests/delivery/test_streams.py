"""Live progress over Server-Sent Events, read over a real socket as the task runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.delivery.conftest import (
    API_KEY,
    PUBLIC,
    authorize,
    free_listener,
    keyed,
    serving,
)
from tests.harness import StartApp
from tests.peers.http_peer import HttpPeer
from tests.scripted_engine import WAIT_S


class EventReader:
    """Parses `text/event-stream` lines into events, one `next()` at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines: AsyncIterator[str] = response.aiter_lines()

    async def next(self) -> dict[str, Any] | None:
        """The next task event, or None when the server closed the stream."""
        fields: dict[str, str] = {}
        async with asyncio.timeout(WAIT_S):
            async for line in self._lines:
                if line == "":
                    if "data" in fields and fields.get("event") == "task":
                        task: dict[str, Any] = json.loads(fields["data"])
                        task["_event_id"] = fields.get("id")
                        return task
                    fields = {}
                    continue
                name, _, value = line.partition(":")
                if name:  # lines starting with ':' are comments (keep-alive)
                    fields[name] = value.removeprefix(" ")
        return None

    async def lines_started(self) -> None:
        """Wait for the stream's first line (the `retry:` hint): the server is subscribed."""
        async with asyncio.timeout(WAIT_S):
            first = await anext(self._lines)
        assert first.startswith("retry:")

    async def until(self, predicate: Any) -> dict[str, Any]:
        while True:
            event = await self.next()
            assert event is not None, "the stream closed early"
            if predicate(event):
                return event


async def test_each_change_of_a_running_task_arrives_live_and_the_stream_closes_at_the_end(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    listener = free_listener()
    async with start_app(**keyed()) as app:
        authorize(app)
        task_id = await app.imagine()
        await app.engine.next_job()
        async with (
            serving(app.fastapi, listener) as base,
            httpx.AsyncClient(base_url=base, headers={"mj-api-secret": API_KEY}) as client,
            client.stream("GET", f"/mj-fast/mj/task/{task_id}/stream") as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = EventReader(response)
            first = await events.next()
            assert first is not None
            assert first["id"] == task_id
            for percent in (10, 45, 90):
                await app.engine.progress(task_id, percent)
                event = await events.until(lambda e, p=percent: e["progress"] == f"{p}%")
                assert event["status"] == "IN_PROGRESS"
            await app.engine.succeed(task_id, image_url=cdn.url("/grid.png"))
            final = await events.until(lambda e: e["status"] == "SUCCESS")
            assert final["imageUrl"].startswith(f"{PUBLIC}/mj/image/")
            assert final["properties"]["mediaStatus"] == "stored"
            assert final == {**(await app.fetch(task_id)), "_event_id": final["_event_id"]}
            assert await events.next() is None


async def test_a_stream_of_several_tasks_ends_when_the_last_one_finishes(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    listener = free_listener()
    async with start_app(**keyed()) as app:
        authorize(app)
        first = await app.imagine("one")
        await app.engine.next_job()
        second = await app.imagine("two")
        await app.engine.next_job()
        async with (
            serving(app.fastapi, listener) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {API_KEY}"}) as c,
            c.stream("GET", "/mj/task/stream", params={"ids": f"{first},{second},404"}) as response,
        ):
            events = EventReader(response)
            await app.engine.fail(first, "Refused by the test")
            failed = await events.until(lambda e: e["status"] == "FAILURE")
            assert failed["id"] == first
            await app.engine.succeed(second, image_url=cdn.url("/grid.png"))
            succeeded = await events.until(lambda e: e["status"] == "SUCCESS")
            assert succeeded["id"] == second
            assert await events.next() is None


async def test_the_stream_of_all_tasks_shows_new_tasks_as_they_come(start_app: StartApp) -> None:
    listener = free_listener()
    async with start_app(**keyed()) as app:
        authorize(app)
        async with (
            serving(app.fastapi, listener) as base,
            httpx.AsyncClient(base_url=base, headers={"mj-api-secret": API_KEY}) as client,
            client.stream("GET", "/mj/task/stream") as response,
        ):
            events = EventReader(response)
            await events.lines_started()
            task_id = await app.imagine("a new task after the stream opened")
            event = await events.until(lambda e: e["id"] == task_id)
            assert event["prompt"] == "a new task after the stream opened"


async def test_streams_need_the_api_key_and_a_known_task(start_app: StartApp) -> None:
    async with start_app(**keyed()) as app:
        assert (await app.client.get("/mj/task/123/stream")).status_code == 401
        assert (await app.client.get("/mj/task/stream")).status_code == 401
        authorize(app)
        missing = await app.client.get("/mj/task/123/stream")
        assert missing.status_code == 404
        assert missing.json()["code"] == 3
