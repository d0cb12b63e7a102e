"""Gateway behaviour from the raw wire: HELLO, IDENTIFY, heartbeats, RESUME, close codes, faults."""

from __future__ import annotations

import json
import zlib

import pytest
import websockets

from mjproxy.sandbox import EntryKind, Sandbox

from .conftest import Client, ClientFactory, sandbox_config
from .wire import RawGateway, RawRest


async def test_zlib_stream_frames_share_one_inflate_context(client: Client) -> None:
    binary = [f for f in client.gateway.frames if isinstance(f, bytes)]
    assert binary
    assert all(isinstance(f, bytes) for f in client.gateway.frames)
    assert binary[0][:1] == b"\x78"  # the zlib header appears only once, on the first payload
    assert all(f[:1] != b"\x78" for f in binary[1:])
    assert all(f.endswith(b"\x00\x00\xff\xff") for f in binary)


async def test_hello_comes_first_with_heartbeat_interval(client: Client) -> None:
    hello = client.gateway.received[0]
    assert hello["op"] == 10
    assert hello["s"] is None
    assert hello["t"] is None
    assert hello["d"]["heartbeat_interval"] == 41250


async def test_ready_carries_session_and_resume_url(sandbox: Sandbox, client: Client) -> None:
    ready = client.ready
    assert len(ready["session_id"]) == 32
    assert ready["resume_gateway_url"] == sandbox.resume_gateway_url
    assert ready["user"]["id"] == client.account.user_id
    assert {c["recipient_ids"][0] for c in ready["private_channels"]} == {
        "936929561302675456",
        "1022952195194359889",
    }
    assert client.gateway.events("READY")[0]["s"] == 1


async def test_ready_supplemental_only_with_capability_bits(sandbox: Sandbox) -> None:
    account = sandbox.add_account()
    gateway = RawGateway()
    await gateway.connect(sandbox.gateway_url)
    await gateway.identify(account.token, capabilities=0)
    await gateway.heartbeat()
    await gateway.wait_for(lambda p: p["op"] == 11)
    assert gateway.events("READY_SUPPLEMENTAL") == []
    await gateway.close()


async def test_plain_json_text_frames_without_compress(connect: ClientFactory) -> None:
    client = await connect(compress=False)
    assert all(isinstance(f, str) for f in client.gateway.frames)
    assert client.ready["session_id"]


async def test_heartbeat_is_acknowledged(client: Client) -> None:
    mark = len(client.gateway.received)
    await client.gateway.heartbeat()
    ack = await client.gateway.wait_for(lambda p: p["op"] == 11, since=mark)
    assert ack["d"] is None


async def test_bad_token_closes_4004(sandbox: Sandbox) -> None:
    gateway = RawGateway()
    await gateway.connect(sandbox.gateway_url)
    await gateway.send({"op": 2, "d": {"token": "not-a-token", "properties": {}}})
    await gateway.closed.wait()
    assert gateway.close_code == 4004


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"op": 3, "d": {}}, 4003),  # anything but heartbeat/identify/resume before identify
        ({"op": 99, "d": None}, 4003),
        ({"no": "op"}, 4002),
    ],
)
async def test_protocol_errors_before_identify(sandbox: Sandbox, payload: dict, code: int) -> None:
    gateway = RawGateway()
    await gateway.connect(sandbox.gateway_url)
    await gateway.send(payload)
    await gateway.closed.wait()
    assert gateway.close_code == code


async def test_unknown_op_after_identify_closes_4001(client: Client) -> None:
    await client.gateway.send({"op": 99, "d": None})
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 4001


async def test_second_identify_closes_4005(client: Client) -> None:
    await client.gateway.send({"op": 2, "d": {"token": client.account.token, "properties": {}}})
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 4005


async def test_oversized_payload_closes_4002(client: Client) -> None:
    await client.gateway.send({"op": 1, "d": None, "padding": "x" * 5000})
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 4002


async def test_unsupported_api_version_closes_4012(sandbox: Sandbox) -> None:
    gateway = RawGateway()
    await gateway.connect(sandbox.gateway_url, version=6)
    await gateway.closed.wait()
    assert gateway.close_code == 4012


async def test_op7_then_resume_replays_missed_dispatches(sandbox: Sandbox, client: Client) -> None:
    gateway, account = client.gateway, client.account
    sandbox.faults.reconnect(client.session_id, close_after_s=5.0)
    await gateway.wait_for(lambda p: p["op"] == 7)
    last_seq = gateway.seq
    await gateway.close(4000)  # a non-1000 close keeps the session resumable
    poster = RawRest(sandbox.api_base_url, account.token)
    sent = await poster.http.post(
        f"/channels/{account.channel_id}/messages", json={"content": "hi"}
    )
    assert sent.status_code == 200
    await poster.aclose()

    resumed = RawGateway()
    await resumed.connect(client.ready["resume_gateway_url"])
    await resumed.resume(account.token, client.session_id, last_seq)
    replayed = await resumed.wait_for(lambda p: p.get("t") == "MESSAGE_CREATE")
    done = await resumed.wait_for(lambda p: p.get("t") == "RESUMED")
    assert replayed["s"] == last_seq + 1
    assert replayed["d"]["content"] == "hi"
    assert done["s"] == last_seq + 2
    opened = sandbox.transcript.entries(kind=EntryKind.WS_OPEN)[-1]
    assert opened.path is not None
    assert opened.path.startswith("/resume")
    await resumed.close()


async def test_op7_closes_the_socket_if_the_client_does_not(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.faults.reconnect(client.session_id, close_after_s=0.01)
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 4000


async def test_resume_with_future_seq_closes_4007(sandbox: Sandbox, client: Client) -> None:
    sandbox.faults.drop(client.session_id)
    await client.gateway.closed.wait()
    gateway = RawGateway()
    await gateway.connect(sandbox.resume_gateway_url)
    await gateway.resume(client.account.token, client.session_id, 10_000)
    await gateway.closed.wait()
    assert gateway.close_code == 4007


async def test_resume_of_unknown_session_gets_op9_false(sandbox: Sandbox, client: Client) -> None:
    gateway = RawGateway()
    await gateway.connect(sandbox.resume_gateway_url)
    await gateway.resume(client.account.token, "0" * 32, 1)
    invalid = await gateway.wait_for(lambda p: p["op"] == 9)
    assert invalid["d"] is False
    await gateway.close()


async def test_client_close_1000_ends_the_session(sandbox: Sandbox, client: Client) -> None:
    seq = client.gateway.seq
    await client.gateway.close(1000)
    await sandbox.wait_for(lambda e: e.kind == EntryKind.WS_CLOSE and e.code == 1000)
    gateway = RawGateway()
    await gateway.connect(sandbox.resume_gateway_url)
    await gateway.resume(client.account.token, client.session_id, seq)
    invalid = await gateway.wait_for(lambda p: p["op"] == 9)
    assert invalid["d"] is False
    await gateway.close()


async def test_dropped_socket_leaves_session_resumable(sandbox: Sandbox, client: Client) -> None:
    seq = client.gateway.seq
    sandbox.faults.drop(client.session_id)
    await client.gateway.closed.wait()
    assert client.gateway.close_code == 1006  # no close frame
    gateway = RawGateway()
    await gateway.connect(sandbox.resume_gateway_url)
    await gateway.resume(client.account.token, client.session_id, seq)
    resumed = await gateway.wait_for(lambda p: p.get("t") == "RESUMED")
    assert resumed["s"] == (seq or 0) + 1
    await gateway.close()


@pytest.mark.parametrize("resumable", [True, False])
async def test_injected_invalid_session(sandbox: Sandbox, client: Client, resumable: bool) -> None:
    sandbox.faults.invalid_session(client.session_id, resumable=resumable)
    invalid = await client.gateway.wait_for(lambda p: p["op"] == 9)
    assert invalid["d"] is resumable
    assert (sandbox.sessions.get(client.session_id) is not None) is resumable


async def test_identify_again_after_op9_false_on_same_socket(
    sandbox: Sandbox, client: Client
) -> None:
    sandbox.faults.invalid_session(client.session_id, resumable=False)
    await client.gateway.wait_for(lambda p: p["op"] == 9)
    mark = len(client.gateway.received)
    await client.gateway.send({"op": 2, "d": {"token": client.account.token, "properties": {}}})
    ready = await client.gateway.event("READY", since=mark)
    assert ready["session_id"] != client.session_id


@pytest.mark.parametrize("code", [4000, 4008, 4009, 1001])
async def test_injected_close_codes(sandbox: Sandbox, client: Client, code: int) -> None:
    sandbox.faults.close(client.session_id, code)
    await client.gateway.closed.wait()
    assert client.gateway.close_code == code


async def test_stopped_heartbeat_acks(sandbox: Sandbox, client: Client) -> None:
    sandbox.faults.stop_heartbeat_acks(client.session_id)
    mark = len(client.gateway.received)
    await client.gateway.heartbeat()
    sandbox.faults.request_heartbeat(client.session_id)  # a later frame proves the first was read
    await client.gateway.wait_for(lambda p: p["op"] == 1, since=mark)
    assert not [p for p in client.gateway.received[mark:] if p["op"] == 11]
    sandbox.faults.resume_heartbeat_acks(client.session_id)
    await client.gateway.heartbeat()
    await client.gateway.wait_for(lambda p: p["op"] == 11, since=mark)


async def test_missing_heartbeats_close_4009() -> None:
    config = sandbox_config(heartbeat_interval_ms=40)
    async with Sandbox(config) as sandbox:
        account = sandbox.add_account()
        gateway = RawGateway()
        await gateway.connect(sandbox.gateway_url)
        await gateway.identify(account.token)
        await gateway.closed.wait()
        assert gateway.close_code == 4009


async def test_split_frames_reassemble(sandbox: Sandbox) -> None:
    sandbox.faults.split_frames(3)
    account = sandbox.add_account()
    gateway = RawGateway()
    await gateway.connect(sandbox.gateway_url)
    ready = await gateway.identify(account.token)
    assert ready["user"]["id"] == account.user_id
    partial = [f for f in gateway.frames if isinstance(f, bytes) and not f.endswith(b"\xff\xff")]
    assert partial  # some frames ended mid-payload
    await gateway.close()


async def test_hello_can_be_read_with_plain_websockets(sandbox: Sandbox) -> None:
    """A second, independent decoder: one frame, one zlib inflate, one JSON document."""
    async with websockets.connect(f"{sandbox.gateway_url}/?v=10&compress=zlib-stream") as ws:
        frame = await ws.recv()
        assert isinstance(frame, bytes)
        hello = json.loads(zlib.decompressobj().decompress(frame))
    assert hello["op"] == 10


async def test_delayed_event_arrives_after_later_ones(sandbox: Sandbox, client: Client) -> None:
    sandbox.faults.delay_events("MESSAGE_CREATE", 1.0, count=1)
    path = f"/channels/{client.channel_id}/messages"
    first = (await client.rest.http.post(path, json={"content": "first"})).json()
    second = (await client.rest.http.post(path, json={"content": "second"})).json()
    late = await client.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == second["id"])
    assert not client.gateway.events("MESSAGE_CREATE")[:-1]  # "first" is still held back
    await client.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == first["id"])
    names = [p["d"]["content"] for p in client.gateway.events("MESSAGE_CREATE")]
    assert names == ["second", "first"]
    assert late["content"] == "second"
