"""/imagine from the raw wire: start message, progress edits, result with buttons, delete."""

from __future__ import annotations

import re

import pytest

from mjproxy.sandbox import ContentStyle, Mode, PreviewStyle, Sandbox, SandboxConfig

from .conftest import Client
from .wire import Payload

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def job_uuid(message: Payload) -> str:
    match = re.search(rf"_({UUID})\.\w+$", message["attachments"][0]["filename"])
    assert match, message["attachments"][0]["filename"]
    return match.group(1)


def custom_ids(message: Payload) -> list[str]:
    return [
        c["custom_id"]
        for row in message["components"]
        for c in row["components"]
        if "custom_id" in c
    ]


async def test_imagine_full_event_sequence(client: Client) -> None:
    nonce = await client.imagine("a red fox")
    result = await client.result_of(nonce)
    gateway = client.gateway
    deleted = await gateway.event("MESSAGE_DELETE")
    created = (await gateway.event("INTERACTION_CREATE", lambda d: d["nonce"] == nonce))["id"]
    start = await gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    uid = client.account.user_id

    assert start["type"] == 20
    assert start["content"] == f"**a red fox** - <@{uid}> (Waiting to start)"
    assert start["interaction"]["name"] == "imagine"
    assert start["interaction_metadata"]["id"] == created
    assert start["author"]["id"] == start["application_id"] == start["webhook_id"]

    updates = [p["d"] for p in gateway.events("MESSAGE_UPDATE") if p["d"]["id"] == start["id"]]
    percents = [re.search(r"\((\d+)%\) \(fast\)$", u["content"]).group(1) for u in updates]  # type: ignore[union-attr]
    assert percents == ["0", "15", "31", "46", "62", "78", "93"]
    assert all(u["edited_timestamp"] and u["nonce"] == nonce for u in updates)

    uuid = job_uuid(result)
    assert updates[-1]["attachments"][0]["filename"] == f"{uuid}_grid_0.webp"
    assert result["content"] == f"**a red fox** - <@{uid}> (fast)"
    assert result["attachments"][0]["filename"] == f"sandbox_user1_a_red_fox_{uuid}.png"
    assert (result["attachments"][0]["width"], result["attachments"][0]["height"]) == (128, 128)
    assert custom_ids(result) == [
        *(f"MJ::JOB::upsample::{i}::{uuid}" for i in range(1, 5)),
        f"MJ::JOB::reroll::0::{uuid}::SOLO",
        *(f"MJ::JOB::variation::{i}::{uuid}" for i in range(1, 5)),
    ]
    assert deleted == {
        "id": start["id"],
        "channel_id": client.channel_id,
        "guild_id": client.guild_id,
    }
    order = [p["t"] for p in gateway.events() if p["t"] in ("MESSAGE_CREATE", "MESSAGE_DELETE")]
    assert order[-2:] == ["MESSAGE_CREATE", "MESSAGE_DELETE"]  # result first, then the delete


def sequence(client: Client, nonce: str) -> list[str]:
    """Event names of one slash interaction up to its progress messages."""
    names = []
    for payload in client.gateway.events():
        data = payload["d"]
        if isinstance(data, dict) and data.get("nonce") == nonce:
            names.append(payload["t"])
    return names


@pytest.mark.parametrize("before", [False, True])
async def test_success_order_switch(sandbox: Sandbox, client: Client, before: bool) -> None:
    sandbox.switches.success_before_message = before
    nonce = await client.imagine("order")
    await client.result_of(nonce)
    names = sequence(client, nonce)[:3]
    if before:
        assert names == ["INTERACTION_CREATE", "INTERACTION_SUCCESS", "MESSAGE_CREATE"]
    else:
        assert names == ["INTERACTION_CREATE", "MESSAGE_CREATE", "INTERACTION_SUCCESS"]


async def test_relax_mode_and_flags_in_content(sandbox: Sandbox, client: Client) -> None:
    client.account.settings.mode = Mode.RELAX
    result = await client.result_of(await client.imagine("slow"))
    assert result["content"].endswith("(relaxed)")
    turbo = await client.result_of(await client.imagine("quick --turbo"))
    assert turbo["content"] == f"**quick --turbo** - <@{client.account.user_id}> (turbo)"


async def test_website_link_and_subtext_formats(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.content_style = ContentStyle.WEBSITE_LINK
    sandbox.switches.subtext_line = True
    result = await client.result_of(await client.imagine("new format"))
    uuid = job_uuid(result)
    uid = client.account.user_id
    assert result["content"] == (
        f"**new format** - <@{uid}> [(Open on website for full quality)]"
        f"(<https://midjourney.com/jobs/{uuid}>) (fast)\n-# Create, explore, and organize on "
        "[midjourney.com](<https://midjourney.com/imagine?from_discord=1>)"
    )


async def test_plain_website_format(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.content_style = ContentStyle.WEBSITE_PLAIN
    result = await client.result_of(await client.imagine("plain"))
    assert result["content"].endswith("(Open on website for full quality) (fast)")


async def test_ephemeral_step_previews(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.progress_previews = PreviewStyle.EPHEMERAL_STEPS
    result = await client.result_of(await client.imagine("steps"))
    uuid = job_uuid(result)
    previews = [
        p["d"]["attachments"][0]["url"]
        for p in client.gateway.events("MESSAGE_UPDATE")
        if p["d"]["attachments"]
    ]
    assert f"/ephemeral-attachments/{client.channel_id}/" in previews[0]
    assert re.search(rf"/{uuid}_0_step_0\.jpeg\?", previews[0])


async def test_echo_version_and_short_links(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.echo_version = True
    result = await client.result_of(await client.imagine("https://example.com/cat.png a cat"))
    assert re.match(r"^\*\*<https://s\.mj\.run/[\w-]+> a cat --v 7\*\* - ", result["content"])


async def test_progress_message_and_result_are_in_history(client: Client) -> None:
    result = await client.result_of(await client.imagine("history"))
    await client.gateway.event("MESSAGE_DELETE")
    history = (await client.rest.http.get(f"/channels/{client.channel_id}/messages")).json()
    assert [m["id"] for m in history] == [result["id"]]  # the deleted progress message is gone


async def test_niji_bot_answers_as_niji(sandbox: Sandbox, client: Client) -> None:
    commands = await client.rest.http.get(
        f"/channels/{client.channel_id}/application-command-index"
    )
    niji = next(
        c
        for c in commands.json()["application_commands"]
        if c["name"] == "imagine" and c["application_id"] == "1022952195194359889"
    )
    body = {
        "type": 2,
        "application_id": niji["application_id"],
        "guild_id": client.guild_id,
        "channel_id": client.channel_id,
        "session_id": client.session_id,
        "nonce": "77",
        "data": {
            "id": niji["id"],
            "version": niji["version"],
            "name": "imagine",
            "type": 1,
            "options": [{"type": 3, "name": "prompt", "value": "anime cat"}],
        },
    }
    assert (await client.rest.http.post("/interactions", json=body)).status_code == 204
    result = await client.result_of("77")
    assert result["author"]["username"] == "niji・journey Bot"


@pytest.mark.parametrize(("speed", "job_time_s"), [(1.0, 0.2), (2000.0, 0.3)])
async def test_fixed_job_time_governs_how_long_a_job_runs(
    sandbox: Sandbox, client: Client, speed: float, job_time_s: float
) -> None:
    # At speed 1 an imagine would take ~21 s (beyond result_of's 10 s); at 2000 ~10 ms.
    sandbox.set_speed(speed)
    sandbox.config.job_time_s = job_time_s
    await client.result_of(await client.imagine("a timed fox"))
    job = await sandbox.wait_for_job(status="succeeded", kind="imagine")
    assert job.started_ms is not None
    assert job.ended_ms is not None
    assert job.ended_ms - job.started_ms >= job_time_s * 1000
    assert job.summary()["ended_ms"] == job.ended_ms


def test_job_time_must_be_positive() -> None:
    with pytest.raises(ValueError, match="job_time_s"):
        Sandbox(SandboxConfig(job_time_s=0))
