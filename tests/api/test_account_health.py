"""Account health through the app: what engines report changes states, work and alerts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mjproxy.domain.account import AccountState, MidjourneyFacts
from mjproxy.domain.errors import AccountUnusable
from mjproxy.domain.task import Mode, TaskStatus
from mjproxy.engines.base import AccountEvent
from tests.harness import App, StartApp, account, starter
from tests.peers.http_peer import HttpPeer
from tests.scripted_engine import WAIT_S

ADMIN = {"mj-api-secret": "admin-key"}
TWO = {
    "admin_secret": "admin-key",
    "accounts": [account(), account("acc-2")],
    "scheduler": {"running": 1, "queued": 5},
}


@pytest.fixture
def start(sqlite_url: str, tmp_path: Path) -> StartApp:
    return starter(sqlite_url, tmp_path)


@pytest.fixture
async def receiver() -> AsyncIterator[HttpPeer]:
    peer = HttpPeer()
    await peer.start()
    try:
        yield peer
    finally:
        await peer.stop()


async def report(app: App, account_id: str, state: AccountState, reason: str = "") -> None:
    await app.engine.sinks.accounts(AccountEvent(account_id, state=state, reason=reason))


async def listed(app: App, account_id: str) -> dict[str, Any]:
    response = await app.client.get(f"/mj/account/{account_id}/fetch")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def busy_pair(app: App) -> tuple[str, str, str]:
    """A task running on each account and one waiting for either."""
    on_1 = await app.imagine("one", accountFilter={"instanceId": "acc-1"})
    on_2 = await app.imagine("two", accountFilter={"instanceId": "acc-2"})
    jobs = {(await app.engine.next_job()).task.id for _ in range(2)}
    assert jobs == {on_1, on_2}
    reply = await app.submit("/mj/submit/imagine", {"prompt": "three"})
    assert reply["code"] == 22
    return on_1, on_2, str(reply["result"])


async def test_a_captcha_quarantines_the_account_and_its_queue_moves(start: StartApp) -> None:
    reason = "Midjourney asks for a captcha (Action required to continue)."
    async with start(**TWO) as app:
        on_1, on_2, waiting = await busy_pair(app)
        await report(app, "acc-1", AccountState.QUARANTINED, reason)
        await report(app, "acc-1", AccountState.READY, "resumed")  # a reconnect: still held
        refused = await app.submit(
            "/mj/submit/imagine", {"prompt": "x", "accountFilter": {"instanceId": "acc-1"}}
        )
        await app.engine.succeed(on_1)  # in flight on the quarantined account: may finish
        await app.engine.succeed(on_2)
        moved = await app.engine.next_job()
        shown = await listed(app, "acc-1")
        finished = await app.fetch(on_1)
    assert (shown["state"], shown["stateReason"]) == ("quarantined", reason)
    assert shown["stateSince"] > 0
    assert refused["code"] == 3
    assert "quarantined" in refused["description"]
    assert finished["status"] == "SUCCESS"
    assert (moved.task.id, moved.account.id) == (waiting, "acc-2")


async def test_an_operator_re_enables_a_quarantined_account(start: StartApp) -> None:
    async with start(**TWO) as app:
        await report(app, "acc-1", AccountState.QUARANTINED, "captcha")
        enabled = await app.client.post("/mj/admin/accounts/acc-1/enable", headers=ADMIN)
        reply = await app.submit(
            "/mj/submit/imagine", {"prompt": "x", "accountFilter": {"instanceId": "acc-1"}}
        )
    assert enabled.json()["state"] == "ready"
    assert reply["code"] == 1


async def test_a_disabled_account_fails_its_tasks_in_flight_and_is_closed(
    start: StartApp,
) -> None:
    reason = "Midjourney says: [Blocked] You have been blocked from accessing Midjourney."
    async with start(**TWO) as app:
        on_1, _on_2, waiting = await busy_pair(app)
        await report(app, "acc-1", AccountState.DISABLED, reason)
        failed = await app.wait_status(on_1, TaskStatus.FAILURE)
        shown = await listed(app, "acc-1")
        still_waiting = await app.fetch(waiting)
    assert failed.fail_reason == f"The account acc-1 is disabled: {reason}"
    assert (shown["state"], shown["stateReason"]) == ("disabled", reason)
    assert "acc-1" in app.engine.closed_accounts
    assert still_waiting["status"] == "NOT_START"  # acc-2 takes it when it frees up


async def test_a_401_from_upstream_disables_the_account(start: StartApp) -> None:
    reason = "Discord rejected the account's token on POST /interactions (401 Unauthorized)."
    unusable = {"engine_options": {"crash_with": AccountUnusable(reason)}}
    async with start(create=unusable) as app:
        task = await app.wait_status(await app.imagine(), TaskStatus.FAILURE)
        shown = await listed(app, "acc-1")
    assert task.fail_reason == f"The account acc-1 is disabled: {reason}"
    assert (shown["state"], shown["stateReason"]) == ("disabled", reason)


async def test_used_up_fast_time_switches_the_account_to_relax(start: StartApp) -> None:
    async with start(**TWO) as app:
        spent = MidjourneyFacts(job_mode="Fast", fast_time_remaining_h=0.0, fast_exhausted=True)
        await app.engine.sinks.accounts(AccountEvent("acc-1", facts=spent))
        switched = await app.engine.mode_changes.get()
        relaxed = await app.services.health.wait_until(
            "acc-1", lambda a: "switched to relax" in a.state_reason, timeout_s=WAIT_S
        )
        fast = await app.submit(
            "/mj-fast/mj/submit/imagine",
            {"prompt": "x", "accountFilter": {"instanceId": "acc-1"}},
        )
        relax = await app.submit(
            "/mj/submit/imagine", {"prompt": "y", "accountFilter": {"instanceId": "acc-1"}}
        )
        job = await app.engine.next_job()
        shown = await listed(app, "acc-1")
    assert switched == ("acc-1", Mode.RELAX)
    assert relaxed
    assert fast["code"] == 3  # FAST is no longer chosen for it
    assert relax["code"] == 1  # the default mode falls back to RELAX
    assert (job.task.mode, job.prompt) == (Mode.RELAX, "y --relax")
    assert shown["state"] == "ready"
    assert shown["facts"]["fastExhausted"] is True
    assert shown["facts"]["jobMode"] == "Relaxed"


async def test_auto_relax_off_keeps_the_account_but_sends_no_relax(start: StartApp) -> None:
    async with start(accounts=[account(auto_relax=False)]) as app:
        spent = MidjourneyFacts(fast_exhausted=True)
        await app.engine.sinks.accounts(AccountEvent("acc-1", facts=spent))
        shown = await listed(app, "acc-1")
    assert app.engine.modes_set == []
    assert "auto-relax is off" in shown["stateReason"]


async def test_every_state_change_reaches_the_alert_webhook(
    start: StartApp, receiver: HttpPeer
) -> None:
    hooks = {"allowed_networks": ["127.0.0.1/32"], "signing_secret": "s3cret"}
    settings = {**TWO, "webhooks": hooks, "pool": {"alert_hook": receiver.url("/alerts")}}
    async with start(**settings) as app:
        await report(app, "acc-2", AccountState.QUARANTINED, "Action needed to continue")
        await app.client.post("/mj/admin/accounts/acc-2/enable", headers=ADMIN)
        await receiver.wait_for(lambda seen: len(_alerts_of(seen, "acc-2")) >= 4)
        log = await app.client.get(
            "/mj/admin/webhooks/deliveries", params={"taskId": "0"}, headers=ADMIN
        )
    changes = [(a["previousState"], a["state"]) for a in _alerts_of(receiver.requests, "acc-2")]
    assert changes[:4] == [("connecting", "ready"), ("ready", "quarantined"),
                           ("quarantined", "connecting"), ("connecting", "ready")]  # fmt: skip
    quarantined = _alerts_of(receiver.requests, "acc-2")[1]
    assert quarantined["reason"] == "Action needed to continue"
    assert all("x-mjproxy-signature" in r.headers for r in receiver.requests)
    assert {d["topic"] for d in log.json()} >= {"account:acc-1", "account:acc-2"}


def _alerts_of(requests: list[Any], account_id: str) -> list[dict[str, Any]]:
    bodies = [json.loads(r.body) for r in requests if r.path == "/alerts"]
    return [b for b in bodies if b["accountId"] == account_id]


async def test_health_states_survive_a_restart(start: StartApp) -> None:
    async with start(**TWO) as app:
        await report(app, "acc-1", AccountState.QUARANTINED, "captcha")
    async with start(**TWO) as app:
        shown = await listed(app, "acc-1")
        jobs_ok = await app.submit("/mj/submit/imagine", {"prompt": "x"})
        job = await app.engine.next_job()
    assert (shown["state"], shown["stateReason"]) == ("quarantined", "captcha")
    assert jobs_ok["code"] == 1
    assert job.account.id == "acc-2"
