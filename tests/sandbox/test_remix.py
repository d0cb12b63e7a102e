"""Remix mode: buttons open modals with Midjourney's ids; submissions start remixed jobs."""

from __future__ import annotations

import pytest

from mjproxy.sandbox import Sandbox

from .conftest import Client
from .flows import grid_for, modal_for, picked, reply_to
from .test_imagine import job_uuid
from .wire import find_button


@pytest.fixture
def remix(client: Client) -> Client:
    client.account.settings.remix = True
    return client


async def test_v_button_opens_the_remix_modal(remix: Client) -> None:
    grid = await grid_for(remix, "a ship")
    uuid = job_uuid(grid)
    nonce = await remix.click(grid, find_button(grid, "V3"))
    modal = await modal_for(remix, nonce)
    await remix.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    field = modal["components"][0]["components"][0]
    assert modal["custom_id"] == f"MJ::RemixModal::{uuid}::3::1"
    assert field == {
        "type": 4,
        "custom_id": "MJ::RemixModal::new_prompt",
        "label": "New prompt for image #3",
        "style": 2,
        "value": "a ship",
        "required": True,
        "min_length": 1,
        "max_length": 4000,
    }
    assert modal["application"]["id"] == "936929561302675456"
    mark = len(remix.gateway.received)
    submit_nonce = await remix.submit(modal, "a pirate ship")
    start = await remix.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == submit_nonce)
    result = await reply_to(remix, grid, since=mark)
    uid = remix.account.user_id
    assert start["content"] == f"**a pirate ship** - Remix (Strong) by <@{uid}> (Waiting to start)"
    assert result["content"] == f"**a pirate ship** - Remix (Strong) by <@{uid}> (fast)"
    assert start["interaction_metadata"]["type"] == 5


async def test_vary_subtle_remix_modal_flag(remix: Client) -> None:
    _, single = await picked(remix, "a tower")
    nonce = await remix.click(single, find_button(single, "Vary (Subtle)"))
    modal = await modal_for(remix, nonce)
    assert modal["custom_id"] == f"MJ::RemixModal::{job_uuid(single)}::1::0"


async def test_reroll_remix_uses_the_imagine_modal(remix: Client) -> None:
    grid = await grid_for(remix, "a road")
    nonce = await remix.click(grid, find_button(grid, prefix="MJ::JOB::reroll::"))
    modal = await modal_for(remix, nonce)
    assert modal["custom_id"] == f"MJ::ImagineModal::{grid['id']}"
    assert modal["components"][0]["components"][0]["custom_id"] == "MJ::ImagineModal::new_prompt"
    mark = len(remix.gateway.received)
    await remix.submit(modal, "a dirt road")
    result = await reply_to(remix, grid, since=mark)
    assert result["content"].startswith("**a dirt road** - <@")


async def test_pan_remix_modal(remix: Client) -> None:
    _, single = await picked(remix, "a wall")
    nonce = await remix.click(single, find_button(single, prefix="MJ::JOB::pan_up::"))
    modal = await modal_for(remix, nonce)
    assert modal["custom_id"] == f"MJ::PanModal::up::{job_uuid(single)}::1"
    mark = len(remix.gateway.received)
    await remix.submit(modal, "a tall wall")
    result = await reply_to(remix, single, since=mark)
    assert result["content"].startswith("**a tall wall** - Pan Up by")


@pytest.mark.parametrize(("label", "extend"), [("Animate (High motion)", "0")])
async def test_animate_remix_modal(remix: Client, label: str, extend: str) -> None:
    _, single = await picked(remix, "a bird")
    nonce = await remix.click(single, find_button(single, label))
    modal = await modal_for(remix, nonce)
    assert modal["custom_id"] == f"MJ::AnimateModal::{job_uuid(single)}::1::high::{extend}"
    value = modal["components"][0]["components"][0]["value"]
    assert value == "a bird --motion high --video 1 --aspect 1:1"
    mark = len(remix.gateway.received)
    await remix.submit(modal, value.replace("a bird", "a bird flying"))
    video = await reply_to(remix, single, since=mark)
    assert video["attachments"][0]["filename"].endswith(".mp4")


async def test_modal_submit_with_wrong_interaction_id_fails(remix: Client) -> None:
    grid = await grid_for(remix, "a fish")
    modal = await modal_for(remix, await remix.click(grid, find_button(grid, "V1")))
    forged = {**modal, "id": "1"}
    nonce = await remix.submit(forged, "x")
    failure = await remix.gateway.event("INTERACTION_FAILURE", lambda d: d["nonce"] == nonce)
    assert failure["reason_code"] == 1


async def test_modal_can_be_submitted_only_once(remix: Client) -> None:
    grid = await grid_for(remix, "a frog")
    modal = await modal_for(remix, await remix.click(grid, find_button(grid, "V1")))
    await remix.submit(modal, "a green frog")
    nonce = await remix.submit(modal, "a green frog")
    await remix.gateway.event("INTERACTION_FAILURE", lambda d: d["nonce"] == nonce)


async def test_no_success_after_modal_when_switched_off(sandbox: Sandbox, remix: Client) -> None:
    sandbox.switches.success_after_modal = False
    grid = await grid_for(remix, "a crab")
    nonce = await remix.click(grid, find_button(grid, "V1"))
    modal = await modal_for(remix, nonce)
    submit_nonce = await remix.submit(modal, "a red crab")
    await remix.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == submit_nonce)
    assert not [p for p in remix.gateway.events("INTERACTION_SUCCESS") if p["d"]["nonce"] == nonce]
