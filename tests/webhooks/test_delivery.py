"""Reliable webhooks: a receiver that is down, slow, failing, then up still gets every state,
in order, signed, across a restart of the server; on every database backend."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from mjproxy.domain.deliveries import DeliveryStatus
from mjproxy.domain.task import TaskStatus
from mjproxy.services.hooks import HookPolicy
from mjproxy.services.outbox import RetryPolicy
from mjproxy.services.signing import verify
from mjproxy.store.sql import SqlStore, open_store
from tests.peers.http_peer import HttpPeer, Recorded
from tests.webhooks.harness import SECRET, AttemptLog, running_dispatcher, task_state

STATES = [
    (TaskStatus.SUBMITTED, 0),
    (TaskStatus.IN_PROGRESS, 15),
    (TaskStatus.IN_PROGRESS, 60),
    (TaskStatus.SUCCESS, 100),
]


@pytest.fixture
async def receiver() -> AsyncIterator[HttpPeer]:
    peer = HttpPeer()  # bound but not listening: "down" until start()
    try:
        yield peer
    finally:
        await peer.stop()


def _accepted(requests: list[Recorded]) -> list[Recorded]:
    return [r for r in requests if r.answered == 200]


def _versions(requests: list[Recorded]) -> list[int]:
    return [json.loads(r.body)["v"] for r in requests]


async def test_every_state_arrives_in_order_through_outage_slowness_errors_and_restart(
    database_url: str, receiver: HttpPeer
) -> None:
    hook = receiver.url("/hook")
    release_slow = asyncio.Event()
    log = AttemptLog()
    store: SqlStore = await open_store(database_url)
    try:
        async with running_dispatcher(store.outbox, log=log) as (_, notifier):
            for version, (status, progress) in enumerate(STATES[:2], start=1):
                await notifier.notify(task_state("501", version, status, progress, hook))
            await log.wait_for(lambda a: a.error is not None and "ConnectError" in a.error)

            async def slow(record: Recorded) -> web.StreamResponse:
                await release_slow.wait()
                return web.Response(status=503)

            receiver.respond = slow
            await receiver.start()
            mark = len(log.seen)
            await log.wait_for(lambda a: a.error is not None and "no answer" in a.error, after=mark)

            async def failing(record: Recorded) -> web.StreamResponse:
                return web.Response(status=500)

            receiver.respond = failing
            release_slow.set()
            mark = len(log.seen)
            await log.wait_for(lambda a: a.status_code == 500, after=mark)
        await store.aclose()

        # The server restarts: a new process, a new store, the pending rows still there.
        store = await open_store(database_url)
        receiver.respond = None  # up: 200 from now on
        async with running_dispatcher(store.outbox, log=log) as (_, notifier):
            for version, (status, progress) in enumerate(STATES[2:], start=3):
                await notifier.notify(task_state("501", version, status, progress, hook))
            await receiver.wait_for(lambda requests: 4 in _versions(_accepted(requests)))
    finally:
        release_slow.set()
        await store.aclose()

    accepted = _accepted(receiver.requests)
    assert _versions(accepted) == [1, 2, 3, 4]
    assert [json.loads(r.body)["status"] for r in accepted] == [s.value for s, _ in STATES]
    now_s = int(time.time())
    for request in accepted:
        assert verify(SECRET, request.body, request.headers["x-mjproxy-signature"], now_s=now_s)
        assert request.headers["content-type"] == "application/json"
    versions_seen = _versions([r for r in receiver.requests if r.body])
    assert versions_seen == sorted(versions_seen), "an older state arrived after a newer one"


async def test_a_dead_receiver_of_one_task_does_not_hold_up_another_task(
    sqlite_url: str, receiver: HttpPeer
) -> None:
    live = HttpPeer()
    await live.start()
    store = await open_store(sqlite_url)
    try:
        async with running_dispatcher(store.outbox) as (_, notifier):
            await notifier.notify(
                task_state("601", 1, TaskStatus.SUBMITTED, 0, receiver.url("/dead"))
            )
            for version, (status, progress) in enumerate(STATES, start=1):
                await notifier.notify(task_state("602", version, status, progress, live.url("/ok")))
            await live.wait_for(lambda requests: len(_accepted(requests)) == 4)
        assert _versions(live.requests) == [1, 2, 3, 4]
    finally:
        await live.stop()
        await store.aclose()


async def test_a_delivery_is_given_up_when_its_retry_window_closes(
    sqlite_url: str, receiver: HttpPeer
) -> None:
    store = await open_store(sqlite_url)
    log = AttemptLog()
    # A refused connection fails at once; the long attempt timeout only keeps a loaded
    # machine's stall from being logged as "no answer" instead.
    short = RetryPolicy(
        attempt_timeout_s=5.0, retry_window_s=0.3, first_delay_s=0.1, max_delay_s=0.2
    )
    try:
        async with running_dispatcher(store.outbox, log=log, retry=short) as (_, notifier):
            delivery_id = await notifier.notify(
                task_state("701", 1, TaskStatus.SUBMITTED, 0, receiver.url("/down"))
            )
            assert delivery_id is not None
            await log.wait_for(lambda a: a.delivery_id == delivery_id, timeout_s=20)
            delivery = await _wait_finished(store, delivery_id, log)
        assert delivery == DeliveryStatus.FAILED
        attempts = await store.outbox.attempts(delivery_id)
        assert attempts
        assert all("ConnectError" in (a.error or "") for a in attempts)
    finally:
        await store.aclose()


async def _wait_finished(store: SqlStore, delivery_id: int, log: AttemptLog) -> DeliveryStatus:
    while True:
        delivery = await store.outbox.get(delivery_id)
        assert delivery is not None
        if delivery.status is not DeliveryStatus.PENDING:
            return delivery.status
        await log.wait_for(lambda a: True, after=len(log.seen))


async def test_a_private_target_is_refused_and_never_called(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    peer = HttpPeer()
    await peer.start()
    log = AttemptLog()
    try:
        async with running_dispatcher(store.outbox, log=log, policy=HookPolicy()) as (_, notifier):
            delivery_id = await notifier.notify(
                task_state("801", 1, TaskStatus.SUBMITTED, 0, peer.url("/hook"))
            )
            attempt = await log.wait_for(lambda a: a.delivery_id == delivery_id)
        assert attempt.error is not None
        assert "not a public address" in attempt.error
        delivery = await store.outbox.get(attempt.delivery_id)
        assert delivery is not None
        assert delivery.status is DeliveryStatus.REFUSED
        assert peer.requests == []
    finally:
        await peer.stop()
        await store.aclose()


async def test_redirects_are_not_followed(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    peer = HttpPeer()

    async def redirect(record: Recorded) -> web.StreamResponse:
        if record.path == "/moved":
            return web.Response(status=200)
        return web.Response(status=302, headers={"Location": "/moved"})

    peer.respond = redirect
    await peer.start()
    log = AttemptLog()
    try:
        async with running_dispatcher(store.outbox, log=log) as (_, notifier):
            await notifier.notify(task_state("802", 1, TaskStatus.SUBMITTED, 0, peer.url("/hook")))
            await log.wait_for(lambda a: a.status_code == 302)
        assert all(r.path == "/hook" for r in peer.requests)
    finally:
        await peer.stop()
        await store.aclose()


async def test_each_request_names_its_delivery_and_is_unsigned_without_a_secret(
    sqlite_url: str,
) -> None:
    store = await open_store(sqlite_url)
    peer = HttpPeer()
    await peer.start()
    try:
        async with running_dispatcher(store.outbox, secret=None) as (_, notifier):
            delivery_id = await notifier.notify(
                task_state("803", 1, TaskStatus.SUBMITTED, 0, peer.url("/hook?token=abc"))
            )
            await peer.wait_for(lambda requests: len(requests) == 1)
        request = peer.requests[0]
        assert request.path == "/hook?token=abc"
        assert request.headers["x-mjproxy-delivery"] == str(delivery_id)
        assert request.headers["x-mjproxy-attempt"] == "1"
        assert request.headers["host"] == f"127.0.0.1:{peer.port}"
        assert "x-mjproxy-signature" not in request.headers
    finally:
        await peer.stop()
        await store.aclose()


async def test_a_repeated_state_or_a_task_without_a_hook_is_not_enqueued(
    sqlite_url: str,
) -> None:
    store = await open_store(sqlite_url)
    try:
        async with running_dispatcher(store.outbox) as (_, notifier):
            hook = "http://127.0.0.1:9/hook"
            assert await notifier.notify(task_state("804", 3, TaskStatus.IN_PROGRESS, 50, hook))
            assert (
                await notifier.notify(task_state("804", 3, TaskStatus.IN_PROGRESS, 50, hook))
                is None
            )
            assert await notifier.notify(task_state("805", 1, TaskStatus.SUBMITTED, 0, "")) is None
    finally:
        await store.aclose()
