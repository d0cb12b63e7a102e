"""Per-session routing: interaction events and ephemeral messages reach only the named session."""

from __future__ import annotations

from mjproxy.sandbox import EntryKind, Sandbox

from .conftest import Client, ClientFactory
from .wire import MJ_APP_ID


async def test_interaction_events_go_only_to_the_named_session(
    sandbox: Sandbox, connect: ClientFactory
) -> None:
    first = await connect()
    second = await connect(first.account)  # the same user, a second session
    nonce = await first.imagine("routed")
    result = await first.result_of(nonce)
    # the public result reaches both sessions; the interaction events only the first
    await second.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == result["id"])
    assert second.gateway.events("INTERACTION_CREATE") == []
    assert second.gateway.events("INTERACTION_SUCCESS") == []
    assert first.gateway.events("INTERACTION_SUCCESS")


async def test_ephemeral_replies_go_only_to_the_named_session(connect: ClientFactory) -> None:
    first = await connect()
    second = await connect(first.account)
    nonce = await first.slash("settings")
    panel = await first.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert panel["flags"] == 64
    marker = await first.rest.http.post(
        f"/channels/{first.channel_id}/messages", json={"content": "after"}
    )
    await second.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == marker.json()["id"])
    assert not [p for p in second.gateway.events("MESSAGE_CREATE") if p["d"]["flags"] == 64]


async def test_unknown_session_id_drops_interaction_events(
    sandbox: Sandbox, client: Client
) -> None:
    """A hard-coded session id (as some proxies use) loses INTERACTION_* but not public messages."""
    commands = await client.rest.commands(client.channel_id)
    body = {
        "type": 2,
        "application_id": MJ_APP_ID,
        "guild_id": client.guild_id,
        "channel_id": client.channel_id,
        "session_id": "f1a313a09ce079ce252459dc70231f30",
        "nonce": "555",
        "data": {
            "id": commands["imagine"]["id"],
            "version": commands["imagine"]["version"],
            "name": "imagine",
            "type": 1,
            "options": [{"type": 3, "name": "prompt", "value": "lost events"}],
        },
    }
    assert (await client.rest.http.post("/interactions", json=body)).status_code == 204
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == "555")
    assert start["content"].startswith("**lost events**")
    dropped = await sandbox.wait_for(
        lambda e: e.kind == EntryKind.DISPATCH_DROPPED and e.event == "INTERACTION_SUCCESS"
    )
    assert dropped.session_id == "f1a313a09ce079ce252459dc70231f30"
    assert client.gateway.events("INTERACTION_CREATE") == []


async def test_other_users_do_not_see_a_private_channel(connect: ClientFactory) -> None:
    alice = await connect()
    bob = await connect()
    await alice.result_of(await alice.imagine("alice only"))
    marker = await bob.rest.http.post(f"/channels/{bob.channel_id}/messages", json={"content": "b"})
    await bob.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == marker.json()["id"])
    assert all(p["d"]["channel_id"] == bob.channel_id for p in bob.gateway.events("MESSAGE_CREATE"))


async def test_shared_channel_is_seen_by_both_accounts(
    sandbox: Sandbox, connect: ClientFactory
) -> None:
    alice = await connect()
    bob_account = sandbox.add_account(
        guild_id=alice.account.guild_id, channel_id=alice.account.channel_id
    )
    bob = await connect(bob_account)
    result = await alice.result_of(await alice.imagine("shared"))
    await bob.gateway.event("MESSAGE_CREATE", lambda d: d["id"] == result["id"])


async def test_transcript_records_frames_and_rest_calls(sandbox: Sandbox, client: Client) -> None:
    await client.result_of(await client.imagine("recorded"))
    identify = sandbox.transcript.find(lambda e: e.kind == EntryKind.WS_RECV and e.op == 2)
    assert identify is not None
    assert identify.payload["d"]["token"] == "[redacted]"
    call = sandbox.transcript.find(
        lambda e: e.kind == EntryKind.REST and e.path == "/api/v9/interactions"
    )
    assert call is not None
    assert call.status == 204
    assert call.user_id == client.account.user_id
    assert call.payload["data"]["name"] == "imagine"
    sent = [e for e in sandbox.transcript if e.kind == EntryKind.WS_SEND and e.event == "READY"]
    assert sent
    assert sent[0].seq == 1
