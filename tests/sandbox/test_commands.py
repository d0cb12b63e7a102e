"""The other slash commands: describe, shorten, blend, info, settings, modes, prefer, show, seed."""

from __future__ import annotations

import re

import httpx
import pytest

from mjproxy.sandbox import DescribeResult, Mode, Sandbox

from .conftest import Client, ClientFactory
from .flows import grid_for, modal_for
from .test_imagine import job_uuid
from .test_rest import png_bytes
from .wire import MJ_APP_ID, find_button


async def describe(client: Client, data: bytes) -> str:
    uploaded = await client.rest.upload(client.channel_id, "photo.png", data)
    return await client.slash(
        "describe",
        options=[{"type": 11, "name": "image", "value": 0}],
        attachments=[{"id": "0", "filename": "photo.png", "uploaded_filename": uploaded}],
    )


@pytest.mark.parametrize("mode", [DescribeResult.CREATE, DescribeResult.UPDATE])
async def test_describe_an_upload(sandbox: Sandbox, client: Client, mode: DescribeResult) -> None:
    sandbox.switches.describe_result = mode
    nonce = await describe(client, png_bytes((30, 90, 210), 48))
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert start["interaction"]["name"] == "describe"
    assert start["type"] == 20
    if mode == DescribeResult.UPDATE:
        result = await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == start["id"])
    else:
        result = await client.gateway.event(
            "MESSAGE_CREATE",
            lambda d: (
                d["id"] != start["id"]
                and d.get("interaction_metadata", {}).get("id")
                == start["interaction_metadata"]["id"]
            ),
        )
        assert "nonce" not in result
    embed = result["embeds"][0]
    lines = embed["description"].split("\n\n")
    assert [line[:3] for line in lines] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    assert all(line.endswith("--ar 1:1") and "azure" in line for line in lines)
    assert (embed["image"]["width"], embed["image"]["height"]) == (48, 48)
    assert find_button(result, prefix="MJ::Job::PicReader::1")
    assert find_button(result, prefix="MJ::Picread::Retry")


async def test_describe_button_opens_picreader_modal_then_imagines(client: Client) -> None:
    nonce = await describe(client, png_bytes())
    result = await client.gateway.event(
        "MESSAGE_CREATE", lambda d: bool(d.get("embeds")) and d.get("nonce") != nonce
    )
    modal = await modal_for(client, await client.click(result, "MJ::Job::PicReader::2"))
    assert modal["custom_id"] == "MJ::Picreader::Modal::2"
    field = modal["components"][0]["components"][0]
    assert field["custom_id"] == "MJ::Picreader::Modal::PromptField"
    assert field["value"] == result["embeds"][0]["description"].split("\n\n")[1][4:]
    grid = await client.result_of(await client.submit(modal, field["value"]))
    assert len(grid["components"]) == 2


async def test_describe_a_link_and_a_bad_link(client: Client) -> None:
    nonce = await client.slash(
        "describe", options=[{"type": 3, "name": "link", "value": "https://example.com/a.png"}]
    )
    await client.gateway.event(
        "MESSAGE_CREATE",
        lambda d: (
            bool(d.get("embeds")) and d["embeds"][0]["image"]["url"] == "https://example.com/a.png"
        ),
    )
    bad = await client.slash("describe", options=[{"type": 3, "name": "link", "value": "nope"}])
    notice = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == bad)
    assert notice["embeds"][0]["title"] == "Invalid link"
    assert nonce != bad


async def test_describe_retry_reads_again(client: Client) -> None:
    await describe(client, png_bytes())
    first = await client.gateway.event("MESSAGE_CREATE", lambda d: bool(d.get("embeds")))
    mark = len(client.gateway.received)
    await client.click(first, "MJ::Picread::Retry")
    again = await client.gateway.event(
        "MESSAGE_CREATE", lambda d: bool(d.get("embeds")), since=mark
    )
    assert again["embeds"][0]["description"] == first["embeds"][0]["description"]


async def test_shorten_then_pick_a_prompt(client: Client) -> None:
    prompt = "a very detailed oil painting of an old harbour at dawn --ar 3:2"
    nonce = await client.slash("shorten", options=[{"type": 3, "name": "prompt", "value": prompt}])
    result = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    embed = result["embeds"][0]
    assert embed["footer"]["text"] == "Click on a button to imagine one of the shortened prompts"
    shortened = re.findall(r"(\d️⃣ .+)", embed["description"])
    assert len(shortened) == 5
    assert result["interaction"]["name"] == "shorten"
    modal = await modal_for(client, await client.click(result, "MJ::Job::PromptAnalyzer::3"))
    assert modal["custom_id"] == f"MJ::ImagineModal::{result['id']}"
    value = modal["components"][0]["components"][0]["value"]
    assert value == shortened[2][4:]
    grid = await client.result_of(await client.submit(modal, value))
    assert grid["content"].startswith(f"**{value}** - ")


async def test_blend_two_uploads(client: Client) -> None:
    names = []
    for index, colour in enumerate([(255, 0, 0), (0, 0, 255)]):
        uploaded = await client.rest.upload(client.channel_id, f"{index}.png", png_bytes(colour))
        names.append({"id": str(index), "filename": f"{index}.png", "uploaded_filename": uploaded})
    nonce = await client.slash(
        "blend",
        options=[
            {"type": 11, "name": "image1", "value": 0},
            {"type": 11, "name": "image2", "value": 1},
            {"type": 3, "name": "dimensions", "value": "--ar 2:3"},
        ],
        attachments=names,
    )
    result = await client.result_of(nonce)
    assert re.match(
        r"^\*\*<https://s\.mj\.run/[\w-]+> <https://s\.mj\.run/[\w-]+> --ar 2:3\*\* - <@\d+> "
        r"\(fast\)$",
        result["content"],
    )
    width, height = result["attachments"][0]["width"], result["attachments"][0]["height"]
    assert width < height  # 2:3


async def test_blend_of_identical_images_is_refused(client: Client) -> None:
    data = png_bytes()
    names = []
    for index in range(2):
        uploaded = await client.rest.upload(client.channel_id, f"{index}.png", data)
        names.append({"id": str(index), "filename": f"{index}.png", "uploaded_filename": uploaded})
    nonce = await client.slash(
        "blend",
        options=[
            {"type": 11, "name": "image1", "value": 0},
            {"type": 11, "name": "image2", "value": 1},
        ],
        attachments=names,
    )
    notice = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert notice["embeds"][0]["title"] == "Duplicate images detected"


async def test_info_is_an_ephemeral_reply_edited_into_an_embed(client: Client) -> None:
    client.account.fast_time_s = 14.5 * 3600
    nonce = await client.slash("info")
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert start["flags"] == 64 | 128
    assert start["interaction"]["name"] == "info"
    info = await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == start["id"])
    embed = info["embeds"][0]
    assert embed["title"] == f"Your info - {client.account.user.username}"
    assert "**Subscription**: Standard (Active monthly" in embed["description"]
    assert "**Fast Time Remaining**: 14.50/15.0 hours (96.67%)" in embed["description"]
    assert "**Job Mode**: Fast" in embed["description"]


async def test_settings_panel_toggles_and_select(client: Client) -> None:
    nonce = await client.slash("settings")
    panel = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert panel["flags"] == 64
    assert panel["interaction"]["name"] == "settings"
    remix = next(
        b
        for row in panel["components"]
        for b in row["components"]
        if b.get("custom_id") == "MJ::Settings::RemixMode"
    )
    assert remix["style"] == 2
    await client.click(panel, "MJ::Settings::RemixMode")
    edited = await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == panel["id"])
    styles = {
        b.get("custom_id"): b.get("style") for r in edited["components"] for b in r["components"]
    }
    assert styles["MJ::Settings::RemixMode"] == 3
    assert client.account.settings.remix
    mark = len(client.gateway.received)
    await client.click(edited, "MJ::Settings::VersionSelector", values=["6.1"])
    await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == panel["id"], since=mark)
    assert client.account.settings.version == "6.1"


async def test_settings_click_needs_the_ephemeral_flag(client: Client) -> None:
    nonce = await client.slash("settings")
    panel = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    response = await client.rest.click(
        {**panel, "flags": 0}, "MJ::Settings::RemixMode", session_id=client.session_id
    )
    assert response.status_code == 400
    assert response.json()["code"] == 50035


@pytest.mark.parametrize("mode", [Mode.RELAX, Mode.TURBO, Mode.FAST])
async def test_mode_commands(client: Client, mode: Mode) -> None:
    nonce = await client.slash(mode.value)
    reply = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert reply["content"].startswith("Done!")
    assert reply["flags"] == 64
    assert client.account.settings.mode == mode


async def test_relax_is_refused_on_basic(sandbox: Sandbox, connect: ClientFactory) -> None:
    client = await connect(sandbox.add_account(plan="basic"))
    nonce = await client.slash("relax")
    notice = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert notice["embeds"][0]["title"] == "Subscription required"


async def test_prefer_remix_toggles(client: Client) -> None:
    options = [{"type": 1, "name": "remix", "options": []}]
    nonce = await client.slash("prefer", options=options)
    reply = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert reply["content"].startswith("Remix mode turned on")
    assert reply["interaction_metadata"]["name"] == "prefer remix"
    nonce = await client.slash("prefer", options=options)
    reply = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert reply["content"].startswith("Remix mode turned off")


async def test_show_in_dm_then_envelope_gives_the_seed(client: Client) -> None:
    grid = await grid_for(client, "a seed --seed 1234")
    uuid = job_uuid(grid)
    dm = client.account.dm_channel_ids[MJ_APP_ID]
    nonce = await client.slash(
        "show",
        options=[{"type": 3, "name": "job_id", "value": uuid}],
        channel_id=dm,
        guild_id=None,
    )
    shown = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert shown["channel_id"] == dm
    assert "guild_id" not in shown
    assert uuid in shown["attachments"][0]["filename"]
    reaction = await client.rest.http.put(
        f"/channels/{dm}/messages/{shown['id']}/reactions/%E2%9C%89%EF%B8%8F/%40me",
        params={"location": "Message", "type": 0},
    )
    assert reaction.status_code == 204
    seed = await client.gateway.event(
        "MESSAGE_CREATE", lambda d: d["channel_id"] == dm and "**Job ID**" in d["content"]
    )
    assert seed["content"] == f"**a seed --seed 1234**\n**Job ID**: {uuid}\n**seed** 1234"


async def test_envelope_on_a_grid_in_the_channel(client: Client) -> None:
    grid = await grid_for(client, "a pond")
    await client.rest.http.put(
        f"/channels/{client.channel_id}/messages/{grid['id']}/reactions/%E2%9C%89%EF%B8%8F/%40me"
    )
    seed = await client.gateway.event("MESSAGE_CREATE", lambda d: "**seed**" in d["content"])
    match = re.search(r"\*\*Job ID\*\*:\s*([a-f0-9-]{36})\s*\*\*seed\*\*\s*(\d+)", seed["content"])
    assert match
    assert match.group(1) == job_uuid(grid)


async def test_show_unknown_job(client: Client) -> None:
    nonce = await client.slash("show", options=[{"type": 3, "name": "job_id", "value": "nope"}])
    notice = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert notice["embeds"][0]["title"] == "Invalid job ID"


async def test_show_renders_again_after_the_cdn_evicted_the_result(
    sandbox: Sandbox, client: Client
) -> None:
    grid = await grid_for(client, "an evicted grid")
    sandbox.cdn.max_bytes = 1  # every later file evicts all earlier ones
    async with httpx.AsyncClient() as http:
        sandbox.cdn.put(client.channel_id, "filler.bin", b"xx", "application/octet-stream")
        gone = await http.get(grid["attachments"][0]["url"])
        assert gone.status_code == 404
        nonce = await client.slash(
            "show", options=[{"type": 3, "name": "job_id", "value": job_uuid(grid)}]
        )
        shown = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
        again = await http.get(shown["attachments"][0]["url"])
    assert again.status_code == 200
    assert len(again.content) == grid["attachments"][0]["size"]
