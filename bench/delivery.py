"""Results delivery costs: preparing a re-hosted grid, and webhook throughput through the
outbox. Run with `python -m bench.delivery`.

Ratios compare, in the same run: the whole preparation of a grid (decode, four PNG crops,
WebP thumbnail) against decoding alone; and outbox deliveries (persist, lease, POST, record)
against plain POSTs of the same bodies to the same local receiver.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import tempfile
import time
from pathlib import Path

import httpx
from aiohttp import web
from PIL import Image

from mjproxy.domain.task import Task, TaskAction, TaskStatus
from mjproxy.media.grid import open_image, split_image
from mjproxy.media.thumbnails import thumbnail_of
from mjproxy.services.hooks import HookPolicy
from mjproxy.services.notifier import WebhookNotifier
from mjproxy.services.outbox import RetryPolicy, WebhookDispatcher
from mjproxy.store.sql import open_store

GRID_SIDE = 2048  # a 1:1 Midjourney grid: four 1024×1024 images
TASKS = 40
STATES_PER_TASK = 6


def grid_png() -> bytes:
    rng = random.Random(3)
    small = Image.frombytes("RGB", (256, 256), rng.randbytes(256 * 256 * 3))
    buffer = io.BytesIO()
    small.resize((GRID_SIDE, GRID_SIDE), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def timed(label: str, repeat: int, action: object) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        action()  # type: ignore[operator]
    per_call_ms = (time.perf_counter() - started) / repeat * 1000
    print(f"{label:<52} {per_call_ms:9.1f} ms")
    return per_call_ms


def bench_grid() -> None:
    data = grid_png()
    print(f"grid: {GRID_SIDE}×{GRID_SIDE} PNG, {len(data) / 1e6:.1f} MB")
    decode = timed("decode only", 3, lambda: open_image(data))

    def prepare() -> None:
        image = open_image(data)
        split_image(image)
        thumbnail_of(image)

    full = timed("decode + 4 PNG crops + WebP thumbnail", 3, prepare)
    print(f"ratio full/decode: {full / decode:.1f}x")


class Counter:
    """Counts hook requests and signals when `target` of them arrived."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.reached = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.reached.set()


def _body(task: Task) -> str:
    return json.dumps({"id": task.id}, separators=(",", ":"))


async def _receiver() -> tuple[web.AppRunner, str, Counter]:
    seen = Counter()

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        seen.add()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/hook", seen


def _states(url: str) -> list[Task]:
    return [
        Task(
            id=str(1000 + task),
            action=TaskAction.IMAGINE,
            submit_time_ms=1,
            status=TaskStatus.IN_PROGRESS,
            progress=step * 10,
            notify_hook=url,
            version=step,
        )
        for step in range(1, STATES_PER_TASK + 1)
        for task in range(TASKS)
    ]


async def _through_outbox(url: str, seen: Counter, directory: Path) -> float:
    store = await open_store(f"sqlite:///{directory / 'bench.db'}")
    retry = RetryPolicy(attempt_timeout_s=5)
    async with httpx.AsyncClient(trust_env=False) as client:
        dispatcher = WebhookDispatcher(
            outbox=store.outbox,
            client=client,
            policy=HookPolicy.from_strings(["127.0.0.1/32"]),
            retry=retry,
            signing_secret=b"bench",
        )
        notifier = WebhookNotifier(serialize=_body, retry=retry, on_enqueued=dispatcher.wake)
        states = _states(url)
        seen.target = len(states)
        started = time.perf_counter()
        runner = asyncio.create_task(dispatcher.run())
        for task in states:
            # What TaskService writes with each task change (here without the task row).
            announcement = notifier.announcement(None, task)
            assert announcement is not None
            await store.outbox.enqueue(
                task_id=task.id,
                task_version=task.version,
                url=announcement.url,
                payload=announcement.payload,
                now_ms=announcement.created_ms,
                deadline_ms=announcement.deadline_ms,
            )
            notifier.announced()
        await asyncio.wait_for(seen.reached.wait(), 120)
        elapsed = time.perf_counter() - started
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    await store.aclose()
    return elapsed


async def _direct(url: str) -> float:
    states = _states(url)
    async with httpx.AsyncClient(trust_env=False) as client:
        started = time.perf_counter()
        for task in states:
            await client.post(url, content=_body(task))
        elapsed = time.perf_counter() - started
    return elapsed


async def bench_webhooks() -> tuple[float, float]:
    runner, url, seen = await _receiver()
    total = TASKS * STATES_PER_TASK
    try:
        with tempfile.TemporaryDirectory() as directory:
            outbox_s = await _through_outbox(url, seen, Path(directory))
        direct_s = await _direct(url)
    finally:
        await runner.cleanup()
    print(f"webhooks: {TASKS} tasks × {STATES_PER_TASK} states = {total} deliveries, SQLite")
    print(f"{'through the outbox (persist, lease, POST, record)':<52} {total / outbox_s:9.0f} /s")
    print(f"{'plain sequential POSTs':<52} {total / direct_s:9.0f} /s")
    print(f"ratio outbox/plain time: {outbox_s / direct_s:.1f}x")
    return total / outbox_s, outbox_s / direct_s


def main() -> None:
    bench_grid()
    per_second, ratio = asyncio.run(bench_webhooks())
    print(f"SUMMARY delivery: outbox {per_second:.0f} webhooks/s, {ratio:.1f}x plain POST time")


if __name__ == "__main__":
    main()
