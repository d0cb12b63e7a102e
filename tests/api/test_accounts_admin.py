"""The admin API of the account pool: every change applies at once, the token never shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mjproxy.domain.account import MidjourneyFacts
from mjproxy.domain.task import Mode, TaskStatus
from tests.harness import USER_TOKEN, App, StartApp, account, starter

ADMIN = {"mj-api-secret": "admin-key"}
KEYS = {"admin_secret": "admin-key"}  # client routes open, so app.imagine() needs no key
NEW_TOKEN = "MTEx.a-second-token-nobody-may-see.Zq"
NEW = {
    "id": "acc-2",
    "channelId": "1200000000000000002",
    "guildId": "1200000000000000000",
    "userToken": NEW_TOKEN,
    "remark": "team blue",
    "limits": {"FAST": {"running": 2, "queued": 4}},
}


@pytest.fixture
def start(sqlite_url: str, tmp_path: Path) -> StartApp:
    """Behaviour tests run on SQLite; persistence is checked on every backend below."""
    return starter(sqlite_url, tmp_path)


async def admin(app: App, method: str, path: str, body: Any = None) -> Any:
    response = await app.client.request(
        method, f"/mj/admin/accounts{path}", json=body, headers=ADMIN
    )
    assert NEW_TOKEN not in response.text
    assert USER_TOKEN not in response.text
    return response


async def test_a_created_account_connects_and_takes_work_at_once(start: StartApp) -> None:
    async with start(**KEYS) as app:
        created = await admin(app, "POST", "", NEW)
        reply = await app.submit(
            "/mj/submit/imagine",
            {"prompt": "a cat", "accountFilter": {"instanceId": "acc-2"}},
            headers=ADMIN,
        )
        job = await app.engine.next_job()
    body = created.json()
    assert created.status_code == 200
    assert (body["id"], body["state"], body["hasToken"]) == ("acc-2", "ready", True)
    assert "userToken" not in body
    assert body["limits"]["FAST"] == {"running": 2, "queued": 4}
    assert body["limits"]["RELAX"] == {"running": 3, "queued": 10}  # the scheduler default
    assert "acc-2" in app.engine.opened
    assert reply["code"] == 1
    assert job.account.id == "acc-2"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**NEW, "channelId": None}, "channelId is required"),
        ({key: v for key, v in NEW.items() if key != "userToken"}, "userToken is required"),
        ({**NEW, "userToken": 12345}, "userToken must be a non-empty string"),
        ({**NEW, "id": "acc-1"}, "id 'acc-1' is taken by another account"),
        ({**NEW, "id": "a/b"}, "id must be 1 to 64 letters"),
        ({**NEW, "channelId": "general"}, "channelId must be a Discord id"),
        ({**NEW, "dailylimit": 5}, "Not account fields: dailylimit"),
        ({**NEW, "limits": {"FAST": {"running": 0, "queued": 1}}}, "greater than or equal to 1"),
        ({**NEW, "modes": ["SLOW"]}, "modes"),
        ({**NEW, "bots": []}, "bots must name at least one bot"),
        ({**NEW, "pauseMinS": 5, "pauseMaxS": 2}, "pauseMaxS must not be smaller"),
        ({**NEW, "engine": "carrier-pigeon"}, "engine names no engine"),
        (["not", "an", "object"], "must be a JSON object"),
    ],
)
async def test_bad_input_is_code_4_and_stores_nothing(
    start: StartApp, body: Any, expected: str
) -> None:
    async with start(**KEYS) as app:
        response = await admin(app, "POST", "", body)
        listed = (await admin(app, "GET", "")).json()
    assert response.status_code == 400
    assert response.json()["code"] == 4
    assert expected in response.json()["description"]
    assert [a["id"] for a in listed] == ["acc-1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ghost"),
        ("PATCH", "/ghost"),
        ("DELETE", "/ghost"),
        ("POST", "/ghost/enable"),
        ("POST", "/ghost/disable"),
        ("POST", "/ghost/reconnect"),
        ("POST", "/ghost/sync"),
    ],
)
async def test_unknown_ids_are_404_json(start: StartApp, method: str, path: str) -> None:
    async with start(**KEYS) as app:
        response = await admin(app, method, path, {} if method == "PATCH" else None)
    assert response.status_code == 404
    assert response.json()["code"] == 3
    assert "ghost" in response.json()["description"]


async def test_the_admin_routes_need_the_admin_key(start: StartApp) -> None:
    async with start(api_secret="user-key", admin_secret="admin-key") as app:
        response = await app.client.get("/mj/admin/accounts", headers={"mj-api-secret": "user-key"})
    assert response.status_code == 401


async def test_raised_limits_start_waiting_work_at_once(start: StartApp) -> None:
    async with start(**KEYS, scheduler={"running": 1, "queued": 5}) as app:
        first = await app.imagine("one", **{})
        await app.engine.next_job()
        second = await app.submit("/mj/submit/imagine", {"prompt": "two"}, headers=ADMIN)
        patched = await admin(
            app, "PATCH", "/acc-1", {"limits": {"FAST": {"running": 2, "queued": 5}}}
        )
        started = await app.engine.next_job()
    assert second["code"] == 22
    assert patched.json()["limits"]["FAST"]["running"] == 2
    assert started.task.id == second["result"] != first


async def test_a_disabled_account_gets_no_work_and_its_running_task_fails(
    start: StartApp,
) -> None:
    async with start(**KEYS, accounts=[account(), account("acc-2")]) as app:
        running = await app.imagine("runs", accountFilter={"instanceId": "acc-1"})
        await app.engine.next_job()
        disabled = await admin(app, "POST", "/acc-1/disable")
        failed = await app.wait_status(running, TaskStatus.FAILURE)
        after = [await app.imagine(f"p{n}") for n in range(3)]
        jobs = [await app.engine.next_job() for _ in after]
        enabled = await admin(app, "POST", "/acc-1/enable")
        only_one = await app.imagine("back", accountFilter={"instanceId": "acc-1"})
        back = await app.engine.next_job()
    assert (disabled.json()["state"], disabled.json()["enable"]) == ("disabled", False)
    assert failed.fail_reason == "The account acc-1 is disabled: Disabled by an operator."
    assert {job.account.id for job in jobs} == {"acc-2"}
    assert "acc-1" in app.engine.closed_accounts
    assert enabled.json()["enable"] is True
    assert (back.task.id, back.account.id) == (only_one, "acc-1")


async def test_a_deleted_account_is_gone(start: StartApp) -> None:
    async with start(**KEYS, accounts=[account(), account("acc-2")]) as app:
        deleted = await admin(app, "DELETE", "/acc-2")
        fetched = await admin(app, "GET", "/acc-2")
        listed = await app.client.get("/mj/account/list", headers=ADMIN)
    assert deleted.status_code == 200
    assert fetched.status_code == 404
    assert [a["id"] for a in listed.json()] == ["acc-1"]


async def test_reconnect_follows_the_tasks_in_flight_again(start: StartApp) -> None:
    async with start(**KEYS) as app:
        running = await app.imagine()
        await app.engine.next_job()
        await app.wait_status(running, TaskStatus.SUBMITTED)
        reconnected = await admin(app, "POST", "/acc-1/reconnect")
        resumed = await app.engine.resumed.get()
    assert reconnected.status_code == 200
    assert app.engine.opened == ["acc-1", "acc-1"]
    assert resumed.task.id == running


async def test_a_new_token_reconnects_and_is_never_shown(start: StartApp) -> None:
    async with start(**KEYS) as app:
        patched = await admin(app, "PATCH", "/acc-1", {"userToken": NEW_TOKEN})
        listed = await app.client.get("/mj/account/list", headers=ADMIN)
    assert patched.status_code == 200
    assert app.engine.opened == ["acc-1", "acc-1"]
    assert app.services.pool.get("acc-1").user_token.reveal() == NEW_TOKEN  # type: ignore[union-attr]
    assert NEW_TOKEN not in listed.text


async def test_sync_shows_the_fresh_facts_and_is_throttled(start: StartApp) -> None:
    facts = MidjourneyFacts(subscription="Pro Plan", job_mode="Fast", fast_time_remaining_h=11.5)
    async with start(**KEYS) as app:
        app.engine.facts_on_sync["acc-1"] = facts
        synced = await admin(app, "POST", "/acc-1/sync")
        again = await admin(app, "POST", "/acc-1/sync")
        fetched = await app.client.get("/mj/account/acc-1/fetch", headers=ADMIN)
    assert synced.status_code == 200
    assert synced.json()["facts"]["subscription"] == "Pro Plan"
    assert fetched.json()["facts"]["fastTimeRemainingHours"] == 11.5
    assert (again.status_code, again.json()["code"]) == (400, 4)
    assert "try again in" in again.json()["description"]


async def test_admin_changes_survive_a_restart_and_the_config_file_wins_what_it_sets(
    start_app: StartApp,
) -> None:
    config = {**KEYS, "accounts": [account(remark="from the file")]}
    async with start_app(**config) as app:
        await admin(app, "POST", "", NEW)
        await admin(
            app,
            "PATCH",
            "/acc-1",
            {
                "remark": "from the API",
                "weight": 5,
                "limits": {"RELAX": {"running": 1, "queued": 2}},
            },
        )
        await admin(app, "POST", "/acc-2/disable")
    async with start_app(**config) as app:
        acc_1 = (await admin(app, "GET", "/acc-1")).json()
        acc_2 = (await admin(app, "GET", "/acc-2")).json()
    assert (acc_1["remark"], acc_1["weight"]) == ("from the file", 5)
    assert acc_1["limits"]["RELAX"] == {"running": 1, "queued": 2}
    assert (acc_2["state"], acc_2["enable"], acc_2["remark"]) == ("disabled", False, "team blue")
    assert acc_2["limits"][Mode.FAST.value] == {"running": 2, "queued": 4}
