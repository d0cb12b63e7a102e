"""200 tasks on 5 accounts while the sandbox breaks everything it can: each ends right.

A real `mjproxy serve` drives a standalone sandbox. While the tasks run, a chaos monkey cuts
sockets, sends op 7 and op 9 (resumable and not), stops ACKing heartbeats, answers 429s
(per route and global) and delays or holds events so they arrive out of order. Then every
task must have reached its own terminal state: SUCCESS with the sandbox job made from its
own prompt (or button) and that job's image, or FAILURE with the reason of the error the
sandbox was told to produce; and each sandbox job is claimed by one task only.
"""

from __future__ import annotations

import asyncio
import io
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.chaos.harness import (
    HookReceiver,
    SandboxProcess,
    Server,
    Tasks,
    assert_hooks_in_order,
    hook_receiver,
    running_sandbox,
    serving,
    write_config,
)

ACCOUNTS = 5
IMAGINES = 170
FOLLOW_UPS = 30
SPEED = 100
# Prompts the sandbox fails on purpose, and the reason the task must then carry.
FAILING = {"sbx-fail": "Failed", "sbx-banned": "Banned prompt", "sbx-invalid": "Invalid parameter"}
BUTTONS = ("U1", "U2", "U3", "U4", "V1", "V2", "V3", "V4")


def prompt_of(number: int) -> str:
    word = list(FAILING)[number // 20] if number % 10 == 7 and number < 60 else ""
    return f"chaos fox {number} tag{number:03d}x {word}".strip()


class Monkey:
    """Injects one fault after another, round robin over the accounts, until stopped."""

    def __init__(self, sandbox: SandboxProcess) -> None:
        self._sandbox = sandbox
        self._users = [member["user_id"] for member in sandbox.accounts]
        self.injected: Counter[str] = Counter()
        self._later: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        faults = self._faults()
        for number in itertools.count():
            with_session, fault = faults[number % len(faults)]
            # Shift by one account per round, so every fault meets every account.
            user = self._users[(number + number // len(faults)) % len(self._users)]
            if await self._inject(with_session, fault, user):
                self.injected[fault.__name__] += 1
            try:
                async with asyncio.timeout(0.5):
                    await stop.wait()
                break
            except TimeoutError:
                continue
        await asyncio.gather(*self._later)
        await self._sandbox.call("DELETE", "/faults")

    async def _inject(
        self, with_session: bool, fault: Callable[..., Awaitable[None]], user: str
    ) -> bool:
        if not with_session:
            await fault()
            return True
        sessions = [
            s for s in await self._sandbox.sessions() if s["user_id"] == user and s["connected"]
        ]
        if not sessions:
            return False  # reconnecting after the last fault: nothing to break right now
        await fault(sessions[0]["session_id"])
        return True

    def _faults(self) -> list[tuple[bool, Callable[..., Awaitable[None]]]]:
        return [
            (True, self.drop),
            (False, self.rate_limit),
            (True, self.reconnect),
            (False, self.delay_creates),
            (True, self.invalid_resumable),
            (False, self.hold_successes),
            (True, self.stop_acks),
            (False, self.global_rate_limit),
            (True, self.invalid_fresh),
            (False, self.delay_updates),
        ]

    async def _session(self, session_id: str, **body: Any) -> None:
        path = f"/sessions/{session_id}/faults"
        response = await self._sandbox.control.post(path, json=body)
        # 404: the session ended between listing it and breaking it (another fault's doing).
        assert response.status_code in (200, 404), response.text

    async def drop(self, session_id: str) -> None:
        await self._session(session_id, action="drop")

    async def reconnect(self, session_id: str) -> None:
        await self._session(session_id, action="reconnect", close_after_s=1.0)

    async def invalid_resumable(self, session_id: str) -> None:
        await self._session(session_id, action="invalid_session", resumable=True)

    async def invalid_fresh(self, session_id: str) -> None:
        await self._session(session_id, action="invalid_session", resumable=False)

    async def stop_acks(self, session_id: str) -> None:
        await self._session(session_id, action="stop_heartbeat_acks")

        async def resume_later() -> None:
            await asyncio.sleep(3.0)  # long enough for the client to miss an ACK
            await self._session(session_id, action="resume_heartbeat_acks")

        self._spawn(resume_later())

    async def rate_limit(self) -> None:
        body = {"route": "/interactions", "status": 429, "count": 3, "retry_after_s": 0.2}
        await self._sandbox.call("POST", "/faults/rest", body)

    async def global_rate_limit(self) -> None:
        body = {"route": "/interactions", "status": 429, "count": 1, "retry_after_s": 0.3}
        await self._sandbox.call("POST", "/faults/rest", {**body, "global": True})

    async def delay_creates(self) -> None:
        body = {"event": "MESSAGE_CREATE", "delay_s": 0.4, "count": 6}
        await self._sandbox.call("POST", "/faults/events", body)

    async def delay_updates(self) -> None:
        body = {"event": "MESSAGE_UPDATE", "delay_s": 0.3, "count": 10}
        await self._sandbox.call("POST", "/faults/events", body)

    async def hold_successes(self) -> None:
        body = {"event": "INTERACTION_SUCCESS", "hold": True, "count": 4}
        await self._sandbox.call("POST", "/faults/events", body)

        async def release_later() -> None:
            await asyncio.sleep(1.0)
            await self._sandbox.call("POST", "/faults/events/release", {})

        self._spawn(release_later())

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._later.add(task)
        task.add_done_callback(self._later.discard)


async def submit_imagines(tasks: Tasks, hook: str) -> dict[str, str]:
    """Submit every imagine, a few at a time like a busy client; returns task id → prompt."""
    prompts: dict[str, str] = {}
    gate = asyncio.Semaphore(8)

    async def one(number: int) -> None:
        async with gate:
            body = {"prompt": prompt_of(number), "notifyHook": hook}
            prompts[await tasks.submit("/mj/submit/imagine", body)] = prompt_of(number)

    async with asyncio.TaskGroup() as group:
        for number in range(IMAGINES):
            group.create_task(one(number))
    return prompts


async def submit_follow_ups(
    tasks: Tasks, parents: list[str], hook: str
) -> dict[str, tuple[str, str]]:
    """Press a button on each parent as soon as it succeeded; returns child → (parent, label)."""
    children: dict[str, tuple[str, str]] = {}
    waiting = list(parents)
    labels = itertools.cycle(BUTTONS)
    async with asyncio.timeout(60):
        while waiting:
            states = await tasks.fetch_all(waiting)
            for parent_id in [p for p in waiting if states[p]["status"] == "SUCCESS"]:
                label = next(labels)
                custom_id = next(
                    b["customId"] for b in states[parent_id]["buttons"] if b["label"] == label
                )
                body = {"taskId": parent_id, "customId": custom_id, "notifyHook": hook}
                children[await tasks.submit("/mj/submit/action", body)] = (parent_id, label)
                waiting.remove(parent_id)
            await asyncio.sleep(0.2)  # the parents' states are only visible through the API
    return children


async def image_pixels(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url)
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(response.content)).convert("RGB").tobytes()


def check_imagine(task: dict[str, Any], job: dict[str, Any], prompt: str) -> None:
    assert job["kind"] == "imagine", (task["id"], job)
    assert prompt in job["prompt"], (task["id"], prompt, job["prompt"])
    assert task["properties"]["finalPrompt"] == job["prompt"]


def check_follow_up(
    task: dict[str, Any], job: dict[str, Any], parent: dict[str, Any], label: str
) -> None:
    kind = "pick" if label.startswith("U") else "variation"
    assert job["kind"] == kind, (task["id"], label, job)
    assert job["parent"] == parent["properties"]["messageHash"], (task["id"], job)
    assert job["index"] == int(label[1]), (task["id"], label, job)


async def check_successes(
    tasks: dict[str, dict[str, Any]],
    jobs: dict[str, dict[str, Any]],
    sandbox: SandboxProcess,
    server: Server,
) -> None:
    """Each success is backed by a succeeded sandbox job of its account, with its image."""
    users = {f"acc{n}": m["user_id"] for n, m in enumerate(sandbox.accounts, start=1)}
    claimed = Counter(
        t["properties"]["messageHash"] for t in tasks.values() if t["status"] == "SUCCESS"
    )
    assert max(claimed.values()) == 1, claimed.most_common(3)
    async with httpx.AsyncClient(trust_env=False) as cdn:
        for task in tasks.values():
            if task["status"] != "SUCCESS":
                continue
            job = jobs[task["properties"]["messageHash"]]
            assert job["status"] == "succeeded", job
            assert job["user_id"] == users[task["properties"]["discordInstanceId"]], task["id"]
            cdn_url = task["properties"]["cdnImageUrl"]
            assert job["uuid"] in cdn_url
            # Served by the server that stored it; with `--port 0` the URL names port 0.
            path = "/" + task["imageUrl"].split("/", 3)[3]
            ours = await image_pixels(server.client, path)
            assert ours == await image_pixels(cdn, cdn_url), task["id"]


@pytest.mark.timeout(150)
async def test_every_task_ends_right_while_the_sandbox_misbehaves(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            tmp_path, accounts=ACCOUNTS, speed=SPEED, heartbeat_interval_ms=1_500
        ) as sandbox,
        hook_receiver() as hooks,
    ):
        config = write_config(
            tmp_path / "config.yaml", sandbox, scheduler={"running": 3, "queued": 250}
        )
        async with serving(tmp_path, config, accounts=ACCOUNTS) as server:
            client = Tasks(server.client)
            monkey = Monkey(sandbox)
            stop = asyncio.Event()
            chaos = asyncio.create_task(monkey.run(stop))
            try:
                prompts = await submit_imagines(client, hooks.url)
                plain = [i for i, p in prompts.items() if not any(w in p for w in FAILING)]
                children = await submit_follow_ups(client, plain[:FOLLOW_UPS], hooks.url)
                final = await client.until_finished([*prompts, *children], timeout_s=90)
            finally:
                stop.set()
                await chaos
            jobs = {job["uuid"]: job for job in await sandbox.jobs()}
            await check_outcomes(final, prompts, children, jobs)
            await check_successes(final, jobs, sandbox, server)
            await check_hooks(hooks, final)
    assert min(monkey.injected.values()) >= 1, monkey.injected
    assert len(monkey.injected) == 10, monkey.injected


async def check_outcomes(
    final: dict[str, dict[str, Any]],
    prompts: dict[str, str],
    children: dict[str, tuple[str, str]],
    jobs: dict[str, dict[str, Any]],
) -> None:
    assert len(final) == IMAGINES + FOLLOW_UPS
    for task_id, prompt in prompts.items():
        task = final[task_id]
        word = next((w for w in FAILING if w in prompt), None)
        if word is not None:
            assert task["status"] == "FAILURE", (task_id, prompt, task["status"])
            assert FAILING[word] in task["failReason"], (task_id, task["failReason"])
            continue
        assert task["status"] == "SUCCESS", (task_id, task["status"], task["failReason"])
        check_imagine(task, jobs[task["properties"]["messageHash"]], prompt.split()[-1])
    for task_id, (parent_id, label) in children.items():
        task = final[task_id]
        assert task["status"] == "SUCCESS", (task_id, label, task["failReason"])
        job = jobs[task["properties"]["messageHash"]]
        check_follow_up(task, job, final[parent_id], label)
    # Nothing reached Midjourney twice: one imagine job per prompt.
    per_prompt = Counter(
        job["prompt"].split(" --")[0] for job in jobs.values() if job["kind"] == "imagine"
    )
    assert max(per_prompt.values()) == 1, per_prompt.most_common(3)


async def check_hooks(hooks: HookReceiver, final: dict[str, dict[str, Any]]) -> None:
    def every_task_announced_its_end() -> bool:
        ended = {d.task_id for d in hooks.received if d.status in ("SUCCESS", "FAILURE")}
        return ended == set(final)

    await hooks.wait_for(every_task_announced_its_end, timeout_s=30)
    assert_hooks_in_order(hooks.received)
    for task_id, task in final.items():
        last = [d for d in hooks.by_task()[task_id] if d.status == task["status"]][-1]
        assert last.body["imageUrl"] == task["imageUrl"]
