"""Webhooks from the running app: every state, in order, signed, the same JSON as fetch, and
nothing lost when the receiver is down across a restart of the server."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from aiohttp import web

from mjproxy.config import ConfigError
from mjproxy.domain.task import TaskStatus
from mjproxy.services.signing import verify
from tests.delivery.conftest import (
    ADMIN_KEY,
    PUBLIC,
    SIGNING_SECRET,
    authorize,
    hooks_on,
    is_settled,
    keyed,
)
from tests.harness import App, StartApp
from tests.peers.http_peer import HttpPeer, Recorded
from tests.scripted_engine import WAIT_S
from tests.webhooks.harness import AttemptLog


def _accepted(requests: list[Recorded]) -> list[Recorded]:
    return [r for r in requests if r.answered == 200]


def _bodies(requests: list[Recorded]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in requests]


def _is_final(requests: list[Recorded]) -> bool:
    return any(body["status"] == "SUCCESS" for body in _bodies(_accepted(requests)))


async def test_every_state_reaches_the_hook_in_order_with_our_image_urls(
    start_app: StartApp, cdn: HttpPeer, receiver: HttpPeer
) -> None:
    await receiver.start()
    async with start_app(**keyed(webhooks=hooks_on())) as app:
        authorize(app)
        task_id = await app.imagine(notifyHook=receiver.url("/hook?token=t0k"))
        await app.engine.next_job()
        await app.engine.progress(task_id, 25)
        await app.engine.progress(task_id, 75)
        await app.engine.succeed(task_id, image_url=cdn.url("/grid.png"))
        await receiver.wait_for(_is_final)
        fetched = await app.client.get(f"/mj/task/{task_id}/fetch")
    bodies = _bodies(receiver.requests)
    progress = [(body["status"], body["progress"]) for body in bodies]
    assert progress[-3:] == [("IN_PROGRESS", "25%"), ("IN_PROGRESS", "75%"), ("SUCCESS", "100%")]
    assert [s for s, _ in progress].count("SUCCESS") == 1
    assert receiver.requests[-1].body == fetched.content, "the hook body is fetch's JSON"
    assert bodies[-1]["imageUrl"].startswith(f"{PUBLIC}/mj/image/")
    assert len(bodies[-1]["imageUrls"]) == 4
    now_s = int(time.time())
    for request in receiver.requests:
        assert request.path == "/hook?token=t0k"
        assert verify(
            SIGNING_SECRET.encode(),
            request.body,
            request.headers["x-mjproxy-signature"],
            now_s=now_s,
        )


async def test_a_receiver_down_across_a_restart_then_failing_then_up_gets_every_state(
    start_app: StartApp, cdn: HttpPeer, receiver: HttpPeer
) -> None:
    async with start_app(**keyed(webhooks=hooks_on())) as first:
        authorize(first)
        task_id = await first.imagine(notifyHook=receiver.url("/hook"))
        await first.engine.next_job()
        await first.engine.progress(task_id, 30)
        await first.engine.progress(task_id, 70)
        deliveries, _ = await first.services.delivery.outbox.list_recent(limit=50)  # type: ignore[union-attr]
        assert deliveries, "changes were queued while the receiver was down"

    failures = 2

    async def failing_then_up(record: Recorded) -> web.StreamResponse:
        nonlocal failures
        if failures > 0:
            failures -= 1
            return web.Response(status=500)
        return web.Response(text="ok")

    receiver.respond = failing_then_up
    await receiver.start()
    async with start_app(**keyed(webhooks=hooks_on())) as second:
        authorize(second)
        async with asyncio.timeout(WAIT_S):
            job = await second.engine.resumed.get()
        assert job.task.id == task_id
        await second.engine.succeed(task_id, image_url=cdn.url("/grid.png"))
        await receiver.wait_for(_is_final)
        await second.wait_until(task_id, is_settled)

    answered = [r.answered for r in receiver.requests]
    assert answered[:2] == [500, 500]
    accepted = _bodies(_accepted(receiver.requests))
    states = [(body["status"], body["progress"]) for body in accepted]
    assert ("IN_PROGRESS", "30%") in states
    assert states[-2:] == [("IN_PROGRESS", "70%"), ("SUCCESS", "100%")]
    assert states.index(("IN_PROGRESS", "30%")) < states.index(("IN_PROGRESS", "70%"))
    sent_in_order = [json.loads(r.body)["progress"] for r in receiver.requests]
    assert sent_in_order == sorted(sent_in_order, key=lambda p: int(p.rstrip("%")))


async def test_a_private_hook_address_is_refused_at_submit(start_app: StartApp) -> None:
    async with start_app(**keyed()) as app:
        authorize(app)
        for hook in ("http://127.0.0.1:8080/hook", "http://169.254.169.254/x", "ftp://x/y"):
            reply = await app.submit("/mj/submit/imagine", {"prompt": "a cat", "notifyHook": hook})
            assert reply["code"] == 4, hook
            assert reply["result"] is None
        assert (await app.client.get("/mj/task/list")).json() == []


async def test_a_host_name_resolving_to_loopback_is_refused_at_delivery(
    start_app: StartApp, receiver: HttpPeer
) -> None:
    await receiver.start()
    async with start_app(**keyed(webhooks=hooks_on(allowed_networks=[]))) as app:
        authorize(app)
        attempts = AttemptLog()
        dispatcher = app.services.delivery.dispatcher
        assert dispatcher is not None
        dispatcher.observe(attempts)
        task_id = await app.imagine(notifyHook=f"http://localhost:{receiver.port}/hook")
        await attempts.wait_for(lambda attempt: attempt.error is not None)
        response = await app.client.get(
            "/mj/admin/webhooks/deliveries",
            params={"taskId": task_id, "status": "refused"},
            headers={"mj-api-secret": ADMIN_KEY},
        )
    assert receiver.requests == []
    refused = response.json()
    assert refused
    assert "not a public address" in refused[0]["lastError"]


async def _logged_attempt(app: App, delivery_id: int, admin: dict[str, str]) -> httpx.Response:
    """The delivery's detail once its attempt is logged: the receiver may have answered a
    moment before the dispatcher wrote the attempt down."""
    path = f"/mj/admin/webhooks/deliveries/{delivery_id}"
    for _poll in range(int(WAIT_S * 20)):
        detail = await app.client.get(path, headers=admin)
        if detail.status_code != 200 or detail.json()["attemptLog"]:
            break
        await asyncio.sleep(0.05)
    return detail


async def test_the_delivery_log_needs_the_admin_key_and_hides_hook_paths(
    start_app: StartApp, receiver: HttpPeer
) -> None:
    await receiver.start()
    async with start_app(**keyed(webhooks=hooks_on())) as app:
        authorize(app)
        attempts = AttemptLog()
        dispatcher = app.services.delivery.dispatcher
        assert dispatcher is not None
        dispatcher.observe(attempts)  # told once the attempt is written down
        task_id = await app.imagine(notifyHook=receiver.url("/secret-path?token=abc"))
        await attempts.wait_for(lambda attempt: attempt.status_code == 200)
        admin = {"mj-api-secret": ADMIN_KEY}
        listing = await app.client.get("/mj/admin/webhooks/deliveries", headers=admin)
        assert listing.status_code == 200
        first = listing.json()[-1]
        assert first["taskId"] == task_id
        assert first["target"] == f"http://127.0.0.1:{receiver.port}/…"
        assert "secret-path" not in listing.text
        assert "abc" not in listing.text
        detail = await _logged_attempt(app, first["id"], admin)
        assert detail.status_code == 200
        assert detail.json()["attemptLog"][0]["statusCode"] == 200
        assert json.loads(detail.json()["payload"])["id"] == task_id
        assert (await app.client.get("/mj/admin/webhooks/deliveries")).status_code == 401
        missing = await app.client.get("/mj/admin/webhooks/deliveries/999999", headers=admin)
        assert missing.status_code == 404


async def test_a_task_without_a_hook_sends_nothing_and_the_global_hook_serves_others(
    start_app: StartApp, receiver: HttpPeer
) -> None:
    await receiver.start()
    hooks = hooks_on(global_hook=receiver.url("/global"))
    async with start_app(**keyed(webhooks=hooks)) as app:
        authorize(app)
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.fail(task_id, "Banned by the test")
        await receiver.wait_for(
            lambda requests: any(b["status"] == "FAILURE" for b in _bodies(_accepted(requests)))
        )
    assert {r.path for r in receiver.requests} == {"/global"}
    assert _bodies(receiver.requests)[-1]["failReason"] == "Banned by the test"
    assert TaskStatus.FAILURE.value == _bodies(receiver.requests)[-1]["status"]


async def test_a_private_global_hook_stops_the_server_at_start(start_app: StartApp) -> None:
    hooks = {"global_hook": "http://10.1.2.3/hook"}
    with pytest.raises(ConfigError, match=r"webhooks\.global_hook"):
        async with start_app(**keyed(webhooks=hooks)):
            pass
