"""Event latency: from the sandbox sending a progress or result event to clients seeing it.

`python -m bench.event_latency` starts a sandbox (one Pro account, speed 20: a progress edit
every 0.15 s, an imagine in about 1.1 s) and `mjproxy serve` pointed at it, each as its own
process, then submits imagines (3 run at once) with a `notifyHook` to a receiver in this
process. Three observers, all in this process, note when each change first shows:
- a poller asking list-by-condition for the unfinished tasks every `POLL_S`,
- one SSE stream following every task (`/mj/task/stream`),
- the webhook receiver.
When the sandbox sent each event comes from its transcript (every gateway payload it sends,
stamped with the wall clock in milliseconds; the processes share the clock). A progress
event is a MESSAGE_UPDATE of the job's progress message carrying "(NN%)"; the result is the
MESSAGE_CREATE of the result message. Streams and hooks announce a result only once its
image is re-hosted (docs/webhooks.md), so their result latency includes downloading,
splitting and thumbnailing a grid; fetch shows SUCCESS at once and the re-hosted image later.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from bench import harness

TASKS = 40
RUNNING = 3
SPEED = 20
TILE_PX = 128
POLL_S = 0.01
DEADLINE_S = 90.0
_PERCENT = re.compile(r"\((\d+)%\)")
_SETTLED = ("stored", "failed")

Key = tuple[str, str]  # (task id, "NN%" or "SUCCESS" or "REHOSTED")


class Seen:
    """When each (task, state) was first seen by one observer, in epoch milliseconds."""

    def __init__(self) -> None:
        self.at: dict[Key, float] = {}
        self.tasks: dict[str, dict[str, Any]] = {}

    def note(self, task: dict[str, Any]) -> None:
        now = time.time() * 1000
        self.tasks[task["id"]] = task
        keys = [(task["id"], task["progress"])]
        if task["status"] == "SUCCESS":
            keys.append((task["id"], "SUCCESS"))
            if task["properties"].get("mediaStatus") in _SETTLED:
                keys.append((task["id"], "REHOSTED"))
        for key in keys:
            self.at.setdefault(key, now)


async def receiver(seen: Seen) -> tuple[web.AppRunner, str]:
    async def hook(request: web.Request) -> web.Response:
        seen.note(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"


async def follow_stream(http: httpx.AsyncClient, seen: Seen, subscribed: asyncio.Event) -> None:
    async with http.stream("GET", "/mj/task/stream", timeout=None) as response:
        async for line in response.aiter_lines():
            if line.startswith("retry:"):
                subscribed.set()
            elif line.startswith("data:"):
                seen.note(json.loads(line[5:]))


async def poll(http: httpx.AsyncClient, seen: Seen, task_ids: list[str]) -> None:
    """Ask for every unfinished task every `POLL_S` until all are finished and re-hosted."""
    waiting = list(task_ids)
    while waiting:
        reply = await http.post("/mj/task/list-by-condition", json={"ids": waiting})
        for task in reply.json():
            seen.note(task)
        waiting = [t for t in waiting if (t, "REHOSTED") not in seen.at]
        await asyncio.sleep(POLL_S)


async def submit_all(http: httpx.AsyncClient, hook_url: str) -> list[str]:
    ids = []
    for number in range(TASKS):
        body = {"prompt": f"a red fox in the snow, take {number}", "notifyHook": hook_url}
        reply = (await http.post("/mj/submit/imagine", json=body)).json()
        if reply.get("code") not in (1, 22):
            raise RuntimeError(f"submit refused: {reply}")
        ids.append(str(reply["result"]))
    return ids


async def sent_events(control_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        reply = await http.get(
            f"{control_url}/transcript", params={"kind": "ws.send", "limit": "1000000"}
        )
    wanted = ("MESSAGE_UPDATE", "MESSAGE_CREATE")
    return [entry for entry in reply.json() if entry.get("event") in wanted]


def send_times(entries: list[dict[str, Any]], tasks: dict[str, dict[str, Any]]) -> dict[Key, int]:
    """(task, state) → when the sandbox sent the event that caused it, from the transcript."""
    progress_of = {t["properties"].get("progressMessageId"): t["id"] for t in tasks.values()}
    result_of = {t["properties"].get("messageId"): t["id"] for t in tasks.values()}
    sent: dict[Key, int] = {}
    for entry in entries:
        message = entry["payload"]["d"]
        if entry["event"] == "MESSAGE_UPDATE" and message.get("id") in progress_of:
            found = _PERCENT.search(message.get("content", ""))
            if found and 0 < int(found.group(1)) < 100:
                key = (progress_of[message["id"]], f"{int(found.group(1))}%")
                sent.setdefault(key, entry["at_ms"])
        elif entry["event"] == "MESSAGE_CREATE" and message.get("id") in result_of:
            task_id = result_of[message["id"]]
            sent.setdefault((task_id, "SUCCESS"), entry["at_ms"])
            sent.setdefault((task_id, "REHOSTED"), entry["at_ms"])
    return sent


def latencies(sent: dict[Key, int], seen: Seen, *, result: str) -> tuple[list[float], int]:
    """(latencies in ms, events never seen) for progress (result="") or one result state."""
    wanted = [
        key
        for key in sent
        if (key[1] == result if result else key[1] not in ("SUCCESS", "REHOSTED"))
    ]
    found = [seen.at[key] - sent[key] for key in wanted if key in seen.at]
    return found, len(wanted) - len(found)


async def observe(base_url: str, control_url: str) -> dict[str, Seen]:
    observers = {"fetch": Seen(), "SSE": Seen(), "webhook": Seen()}
    runner, hook_url = await receiver(observers["webhook"])
    try:
        async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30) as http:
            subscribed = asyncio.Event()
            stream = asyncio.create_task(follow_stream(http, observers["SSE"], subscribed))
            await asyncio.wait_for(subscribed.wait(), 10)
            task_ids = await submit_all(http, hook_url)
            await asyncio.wait_for(poll(http, observers["fetch"], task_ids), DEADLINE_S)
            await _settle(lambda: _complete(observers, task_ids))
            stream.cancel()
            await asyncio.gather(stream, return_exceptions=True)
    finally:
        await runner.cleanup()
    return observers


def _complete(observers: dict[str, Seen], task_ids: list[str]) -> bool:
    return all((t, "REHOSTED") in seen.at for seen in observers.values() for t in task_ids)


async def _settle(done: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Give SSE and hooks a moment to deliver what the poller already saw."""
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:  # noqa: ASYNC110 - two peers, no event
        await asyncio.sleep(0.05)


async def run() -> None:
    with tempfile.TemporaryDirectory(prefix="mjproxy-bench-") as directory:
        async with harness.sandbox(speed=SPEED, plan="pro", tile_px=TILE_PX) as (_, described):
            config = harness.sandbox_config(
                described, limits={"FAST": {"running": RUNNING, "queued": TASKS}}
            )
            config["webhooks"] = {"allowed_networks": ["127.0.0.1/32"]}
            async with harness.proxy(Path(directory), config, ready_accounts=1) as (_, base):
                print(f"machine: {harness.load_average()} (before)")
                observers = await observe(base, described["urls"]["control"])
                print(f"machine: {harness.load_average()} (after)")
                entries = await sent_events(described["urls"]["control"])
    report(observers, entries)


# (what, observer, state): streams and hooks announce a result only once it is re-hosted.
_ROWS = [
    ("progress", "fetch", ""),
    ("progress", "SSE", ""),
    ("progress", "webhook", ""),
    ("result", "fetch", "SUCCESS"),
    ("result re-hosted", "fetch", "REHOSTED"),
    ("result re-hosted", "SSE", "REHOSTED"),
    ("result re-hosted", "webhook", "REHOSTED"),
]


def report(observers: dict[str, Seen], entries: list[dict[str, Any]]) -> None:
    sent = send_times(entries, observers["fetch"].tasks)
    print(
        f"{TASKS} imagines, {RUNNING} at once, sandbox speed {SPEED}, grids of "
        f"{TILE_PX * 2}px; fetch polled every {POLL_S * 1000:.0f} ms (adds ~half of that)"
    )
    print(f"{'event → seen on':<30} {'events':>7} {'p50 ms':>8} {'p99 ms':>8} {'missed':>7}")
    summary = []
    for what, name, state in _ROWS:
        found, missed = latencies(sent, observers[name], result=state)
        p50, p99 = (harness.percentile(found, p) for p in (0.5, 0.99))
        label = f"{what} → {name}"
        print(f"{label:<30} {len(found):>7} {p50:>8.1f} {p99:>8.1f} {missed:>7}")
        summary.append(f"{label} p50 {p50:.0f} p99 {p99:.0f}")
    print("SUMMARY event_latency (ms): " + "; ".join(summary))


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
