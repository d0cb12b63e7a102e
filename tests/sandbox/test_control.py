"""The HTTP control API under /_sandbox, as an out-of-process test would use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mjproxy.sandbox import Sandbox

from .conftest import Client, ClientFactory


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.control_url, timeout=10.0) as http:
        yield http


async def test_info_lists_urls_and_accounts(sandbox: Sandbox, control: httpx.AsyncClient) -> None:
    account = sandbox.add_account()
    info = (await control.get("")).json()
    assert info["urls"]["api"] == sandbox.api_base_url
    assert info["accounts"][0]["token"] == account.token


async def test_create_and_change_an_account(control: httpx.AsyncClient) -> None:
    created = await control.post("/accounts", json={"plan": "pro", "remix": True})
    assert created.status_code == 201
    body = created.json()
    assert body["plan"] == "pro"
    assert body["remix"] is True
    assert body["fast_time_h"] == 30.0
    changed = await control.patch(
        f"/accounts/{body['user_id']}", json={"fast_time_h": 0, "blocked": True, "mode": "relax"}
    )
    assert changed.json()["flags"]["blocked"] is True
    assert changed.json()["mode"] == "relax"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/accounts", {"plan": "platinum"}, 400),
        ("POST", "/accounts", {"colour": "red"}, 400),
        ("PATCH", "/accounts/nobody", {"remix": True}, 404),
        ("POST", "/faults/rest", {}, 400),
        ("POST", "/sessions/none/faults", {"action": "drop"}, 404),
        ("PATCH", "/switches", {"no_such_switch": True}, 400),
        ("PATCH", "/switches", {"describe_result": "sideways"}, 400),
        ("PUT", "/speed", {"speed": 0}, 400),
        ("POST", "/jobs/nope/stop", {}, 404),
    ],
)
async def test_bad_control_input_is_a_json_error(
    control: httpx.AsyncClient, method: str, path: str, body: dict, status: int
) -> None:
    response = await control.request(method, path, json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"}


async def test_invalid_json_body(control: httpx.AsyncClient) -> None:
    response = await control.post("/accounts", content=b"{", headers={"Content-Type": "text"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


async def test_session_fault_over_http(
    sandbox: Sandbox, control: httpx.AsyncClient, client: Client
) -> None:
    sessions = (await control.get("/sessions")).json()
    assert [s["session_id"] for s in sessions] == [client.session_id]
    response = await control.post(
        f"/sessions/{client.session_id}/faults", json={"action": "close", "code": 4000}
    )
    assert response.json() == {"ok": True}
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 4000


async def test_rest_fault_and_event_hold_over_http(
    control: httpx.AsyncClient, client: Client
) -> None:
    await control.post(
        "/faults/rest", json={"route": "/users/@me", "status": 429, "retry_after_s": 0.5}
    )
    assert (await client.rest.http.get("/users/@me")).status_code == 429
    await control.post("/faults/events", json={"event": "INTERACTION_SUCCESS", "hold": True})
    nonce = await client.imagine("held")
    result = await client.result_of(nonce)
    assert not [p for p in client.gateway.events("INTERACTION_SUCCESS")]
    released = await control.post("/faults/events/release", json={})
    assert released.json()["released"] == 1
    success = await client.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    assert success["id"] == result["interaction_metadata"]["id"]


async def test_switches_speed_commands_and_scenarios(
    control: httpx.AsyncClient, client: Client
) -> None:
    switches = await control.patch("/switches", json={"success_before_message": True})
    assert switches.json()["success_before_message"] is True
    assert (await control.put("/speed", json={"speed": 5000})).json() == {"speed": 5000.0}
    rotated = await control.post("/commands/rotate", json={"name": "imagine"})
    assert [c["name"] for c in rotated.json()] == ["imagine", "imagine"]  # MJ and niji
    armed = await control.post(
        f"/accounts/{client.account.user_id}/scenarios", json={"scenario": "blocked"}
    )
    assert armed.json() == {"armed": ["blocked"]}


async def test_transcript_and_long_poll(control: httpx.AsyncClient, connect: ClientFactory) -> None:
    client = await connect()
    since = (await control.get("/transcript")).json()[-1]["index"] + 1
    nonce = await client.imagine("polled")
    entry = await control.get(
        "/transcript/wait", params={"kind": "job", "note": "succeeded", "since": since}
    )
    assert entry.json()["payload"]["prompt"] == "polled"
    await client.result_of(nonce)
    rest = (await control.get("/transcript", params={"kind": "rest", "since": since})).json()
    assert any(e["path"] == "/api/v9/interactions" for e in rest)
    jobs = (await control.get("/jobs")).json()
    assert jobs[0]["status"] == "succeeded"
    timeout = await control.get(
        "/transcript/wait", params={"kind": "job", "note": "x", "timeout": 0.05}
    )
    assert timeout.status_code == 404
    assert timeout.json()["error"] == "timeout"
