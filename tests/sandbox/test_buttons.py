"""Every button flow from the raw wire: U, V, reroll, vary, region, zoom, pan, upscale, animate."""

from __future__ import annotations

import base64
import io
import re

import httpx
import pytest
from PIL import Image

from mjproxy.sandbox import Sandbox

from .conftest import Client
from .flows import grid_for, modal_for, picked, press, reply_to
from .test_imagine import custom_ids, job_uuid
from .wire import find_button


async def test_u_button_posts_the_picked_image_as_a_reply(client: Client) -> None:
    grid, single = await picked(client, "a lighthouse", 3)
    uid = client.account.user_id
    assert single["content"] == f"**a lighthouse** - Image #3 <@{uid}>"
    assert single["type"] == 19
    assert single["message_reference"]["message_id"] == grid["id"]
    assert single["nonce"]  # button_start_nonce is on by default
    assert single["interaction_metadata"]["interacted_message_id"] == grid["id"]
    uuid = job_uuid(single)
    assert uuid != job_uuid(grid)
    assert custom_ids(single) == [
        f"MJ::JOB::upsample_v7_2x_subtle::1::{uuid}::SOLO",
        f"MJ::JOB::upsample_v7_2x_creative::1::{uuid}::SOLO",
        f"MJ::JOB::low_variation::1::{uuid}::SOLO",
        f"MJ::JOB::high_variation::1::{uuid}::SOLO",
        f"MJ::Inpaint::1::{uuid}::SOLO",
        f"MJ::Outpaint::50::1::{uuid}::SOLO",
        f"MJ::Outpaint::75::1::{uuid}::SOLO",
        f"MJ::CustomZoom::{uuid}",
        *(f"MJ::JOB::pan_{d}::1::{uuid}::SOLO" for d in ("left", "right", "up", "down")),
        f"MJ::JOB::animate_high::1::{uuid}::SOLO",
        f"MJ::JOB::animate_low::1::{uuid}::SOLO",
        f"MJ::BOOKMARK::{uuid}",
    ]
    web = single["components"][-1]["components"][-1]
    assert web["style"] == 5
    assert web["url"] == f"https://www.midjourney.com/app/jobs/{uuid}/"


@pytest.mark.parametrize("high_variation", [True, False])
async def test_v_button_runs_a_variation_job(client: Client, high_variation: bool) -> None:
    client.account.settings.high_variation = high_variation
    grid = await grid_for(client, "a meadow")
    mark = len(client.gateway.received)
    nonce = await client.click(grid, find_button(grid, "V2"))
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    result = await reply_to(client, grid, since=mark)
    strength = "Strong" if high_variation else "Subtle"
    uid = client.account.user_id
    assert start["type"] == 19
    assert start["message_reference"]["message_id"] == grid["id"]
    assert (
        start["content"] == f"**a meadow** - Variations ({strength}) by <@{uid}> (Waiting to start)"
    )
    assert result["content"] == f"**a meadow** - Variations ({strength}) by <@{uid}> (fast)"
    assert "nonce" not in result
    await client.gateway.event("MESSAGE_DELETE", lambda d: d["id"] == start["id"], since=mark)
    assert len(custom_ids(result)) == 9
    assert job_uuid(result) in custom_ids(result)[0]


async def test_reroll_makes_a_new_grid(client: Client) -> None:
    grid = await grid_for(client, "a dune")
    result = await press(client, grid, prefix="MJ::JOB::reroll::")
    assert result["content"] == f"**a dune** - <@{client.account.user_id}> (fast)"
    assert job_uuid(result) != job_uuid(grid)


@pytest.mark.parametrize("strength", ["Subtle", "Strong"])
async def test_vary_on_a_single_image(client: Client, strength: str) -> None:
    _, single = await picked(client, "a bridge")
    result = await press(client, single, f"Vary ({strength})")
    uid = client.account.user_id
    assert result["content"] == f"**a bridge** - Variations ({strength}) by <@{uid}> (fast)"


def mask_b64() -> str:
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 255).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(("prompt", "verb"), [("", "Variations"), ("a red door", "Remix")])
async def test_vary_region_iframe_and_submit_job(
    sandbox: Sandbox, client: Client, prompt: str, verb: str
) -> None:
    _, single = await picked(client, "a house")
    mark = len(client.gateway.received)
    nonce = await client.click(single, find_button(single, "Vary (Region)"))
    iframe = await client.gateway.event(
        "INTERACTION_IFRAME_MODAL_CREATE", lambda d: d["nonce"] == nonce
    )
    await client.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    assert iframe["custom_id"].startswith("MJ::iframe::")
    token = iframe["custom_id"].split("::")[2]
    body = {"customId": token, "prompt": prompt, "mask": mask_b64(), "userId": "0", "username": "0"}
    async with httpx.AsyncClient() as http:
        response = await http.post(sandbox.inpaint_submit_url(), json=body)
        again = await http.post(sandbox.inpaint_submit_url(), json=body)
    assert response.json() == {"success": True}
    assert again.status_code == 400  # a token works once
    result = await reply_to(client, single, since=mark)
    expected_prompt = prompt or "a house"
    uid = client.account.user_id
    assert result["content"] == f"**{expected_prompt}** - {verb} (Region) by <@{uid}> (fast)"


async def test_submit_job_refuses_a_bad_mask(sandbox: Sandbox, client: Client) -> None:
    _, single = await picked(client, "a tree")
    nonce = await client.click(single, find_button(single, "Vary (Region)"))
    iframe = await client.gateway.event(
        "INTERACTION_IFRAME_MODAL_CREATE", lambda d: d["nonce"] == nonce
    )
    body = {"customId": iframe["custom_id"], "prompt": "", "mask": "bm90IGFuIGltYWdl"}
    async with httpx.AsyncClient() as http:
        response = await http.post(sandbox.inpaint_submit_url(), json=body)
    assert response.status_code == 400
    assert response.json()["success"] is False


@pytest.mark.parametrize("label", ["Zoom Out 2x", "Zoom Out 1.5x"])
async def test_zoom_out(client: Client, label: str) -> None:
    _, single = await picked(client, "a forest")
    result = await press(client, single, label)
    assert result["content"] == f"**a forest** - Zoom Out by <@{client.account.user_id}> (fast)"


async def test_custom_zoom_opens_a_modal(client: Client) -> None:
    _, single = await picked(client, "a canyon")
    uuid = job_uuid(single)
    nonce = await client.click(single, find_button(single, "Custom Zoom"))
    modal = await modal_for(client, nonce)
    field = modal["components"][0]["components"][0]
    assert modal["custom_id"] == f"MJ::OutpaintCustomZoomModal::{uuid}"
    assert field["custom_id"] == "MJ::OutpaintCustomZoomModal::prompt"
    assert field["value"] == "a canyon --zoom 2"
    mark = len(client.gateway.received)
    await client.submit(modal, "a canyon --zoom 1.8")
    result = await reply_to(client, single, since=mark)
    uid = client.account.user_id
    assert result["content"] == f"**a canyon --zoom 1.8** - Zoom Out by <@{uid}> (fast)"


async def test_custom_zoom_out_of_range_is_an_invalid_parameter(client: Client) -> None:
    _, single = await picked(client, "a valley")
    modal = await modal_for(client, await client.click(single, find_button(single, "Custom Zoom")))
    nonce = await client.submit(modal, "a valley --zoom 3")
    notice = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert notice["embeds"][0]["title"] == "Invalid parameter"


@pytest.mark.parametrize("direction", ["Left", "Right", "Up", "Down"])
async def test_pan(client: Client, direction: str) -> None:
    _, single = await picked(client, "a coast")
    result = await press(client, single, prefix=f"MJ::JOB::pan_{direction.lower()}::")
    uid = client.account.user_id
    assert result["content"] == f"**a coast** - Pan {direction} by <@{uid}> (fast)"


@pytest.mark.parametrize("strength", ["Subtle", "Creative"])
async def test_upscale_subtle_and_creative(client: Client, strength: str) -> None:
    _, single = await picked(client, "a girl")
    mark = len(client.gateway.received)
    result = await press(client, single, f"Upscale ({strength})")
    uid = client.account.user_id
    progress = [
        p["d"]["content"] for p in client.gateway.received[mark:] if p.get("t") == "MESSAGE_UPDATE"
    ]
    assert progress[0] == f"**a girl** - Upscaling by <@{uid}> (0%) (fast)"
    assert result["content"] == f"**a girl** - Upscaled ({strength}) by <@{uid}> (fast)"
    assert result["attachments"][0]["width"] == 2 * single["attachments"][0]["width"]


@pytest.mark.parametrize("level", ["high", "low"])
async def test_animate_then_extend_and_pick_a_clip(client: Client, level: str) -> None:
    _, single = await picked(client, "a car")
    label = "High" if level == "high" else "Low"
    video = await press(client, single, f"Animate ({label} motion)")
    uid = client.account.user_id
    assert (
        video["content"] == f"**a car --motion {level} --video 1 --aspect 1:1** - <@{uid}> (fast)"
    )
    assert video["attachments"][0]["content_type"] == "video/mp4"
    uuid = job_uuid(video)
    assert f"MJ::JOB::video_virtual_upscale::2::{uuid}" in custom_ids(video)
    extended = await press(client, video, f"Extend ({label} motion)")
    assert "Video extended by" in extended["content"]
    clip = await press(client, video, "U2")
    assert clip["content"].endswith(f"- Video #2 <@{uid}>")


async def test_bookmark_only_acknowledges(client: Client) -> None:
    _grid, single = await picked(client, "a heart")
    nonce = await client.click(single, find_button(single, prefix="MJ::BOOKMARK::"))
    await client.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    assert not [p for p in client.gateway.events("MESSAGE_CREATE") if p["d"].get("nonce") == nonce]


async def test_unknown_custom_id_fails_the_interaction(client: Client) -> None:
    grid = await grid_for(client, "a moon")
    nonce = await client.click(grid, "MJ::JOB::upsample::1::not-on-this-message")
    failure = await client.gateway.event("INTERACTION_FAILURE", lambda d: d["nonce"] == nonce)
    assert failure["reason_code"] == 1
    await client.gateway.event("INTERACTION_CREATE", lambda d: d["nonce"] == nonce)


async def test_button_start_message_without_nonce(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.button_start_nonce = False
    grid = await grid_for(client, "a lake")
    mark = len(client.gateway.received)
    await client.click(grid, find_button(grid, "V1"))
    start = await client.gateway.event(
        "MESSAGE_CREATE", lambda d: "(Waiting to start)" in d["content"], since=mark
    )
    assert "nonce" not in start
    assert start["message_reference"]["message_id"] == grid["id"]
    await reply_to(client, grid, since=mark)


async def test_ephemeral_start_with_cancel_button(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.button_start_ephemeral = True
    grid = await grid_for(client, "a star")
    sandbox.config.timings.step_fast_s = 10_000.0  # the variation would run for ages
    nonce = await client.click(grid, find_button(grid, "V1"))
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert start["flags"] == 64
    cancel = find_button(start, "Cancel Job")
    assert cancel.startswith("MJ::CancelJob::ByJobid::")
    await client.click(start, cancel)
    stopped = await client.gateway.event(
        "MESSAGE_UPDATE", lambda d: d["id"] == start["id"] and d["content"].endswith("(Stopped)")
    )
    assert stopped["flags"] == 64


async def test_pressed_upscale_turns_blue(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.mark_pressed_upscale = True
    grid, _ = await picked(client, "a kite", 2)
    edited = await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == grid["id"])
    styles = {b.get("label"): b["style"] for b in edited["components"][0]["components"]}
    assert styles["U2"] == 1
    assert styles["U1"] == 2


@pytest.mark.parametrize(
    ("version", "present", "absent"),
    [
        ("8", "MJ::JOB::upsample_v7_2x_subtle", "MJ::Outpaint::"),
        ("6.1", "MJ::JOB::upsample_v6r1_2x_subtle", "MJ::JOB::animate_high"),
        ("5.2", "MJ::JOB::upsample_v5_2x", "MJ::JOB::animate_low"),
    ],
)
async def test_single_image_buttons_follow_the_model(
    client: Client, version: str, present: str, absent: str
) -> None:
    _, single = await picked(client, f"a cat --v {version}")
    ids = custom_ids(single)
    assert any(i.startswith(present) for i in ids)
    assert not any(i.startswith(absent) for i in ids)
    assert re.search(r"Image #1", single["content"])


async def test_submit_job_through_the_iframe_url_template(sandbox: Sandbox, client: Client) -> None:
    """What a client configured with `{application_id}` hosts posts to."""
    _, single = await picked(client, "a gate")
    mark = len(client.gateway.received)
    nonce = await client.click(single, find_button(single, "Vary (Region)"))
    iframe = await client.gateway.event(
        "INTERACTION_IFRAME_MODAL_CREATE", lambda d: d["nonce"] == nonce
    )
    base = sandbox.iframe_url_template.format(application_id=iframe["application"]["id"])
    body = {"customId": iframe["custom_id"], "prompt": "", "mask": mask_b64()}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{base}/inpaint/api/submit-job", json=body)
    assert response.json() == {"success": True}
    await reply_to(client, single, since=mark)
