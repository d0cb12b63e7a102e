"""The pictures are real and deterministic: U3 is quadrant 3 of the grid, pixel for pixel."""

from __future__ import annotations

import io

import av
import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from mjproxy.sandbox import Sandbox

from .conftest import Client, sandbox_config
from .flows import fetch_image, grid_for, picked, press
from .test_imagine import custom_ids, job_uuid
from .wire import RawGateway, RawRest

QUADRANT_BOXES = {1: (0, 0), 2: (1, 0), 3: (0, 1), 4: (1, 1)}


def quadrant(grid: Image.Image, index: int) -> Image.Image:
    column, row = QUADRANT_BOXES[index]
    width, height = grid.width // 2, grid.height // 2
    return grid.crop((column * width, row * height, (column + 1) * width, (row + 1) * height))


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size
        and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None
    )


@pytest.mark.parametrize("index", [1, 2, 3, 4])
async def test_u_image_is_the_grid_quadrant(client: Client, index: int) -> None:
    grid_message = await grid_for(client, "a quadrant test")
    single = await press(client, grid_message, f"U{index}")
    grid = await fetch_image(grid_message["attachments"][0]["url"])
    picked = await fetch_image(single["attachments"][0]["url"])
    assert grid.format == "PNG"
    assert picked.size == (grid.width // 2, grid.height // 2)
    assert same_pixels(picked, quadrant(grid, index))


async def test_quadrants_differ_visibly(client: Client) -> None:
    grid = await fetch_image((await grid_for(client, "four tiles"))["attachments"][0]["url"])
    means = [tuple(ImageStat.Stat(quadrant(grid, i).convert("RGB")).mean) for i in range(1, 5)]
    for i in range(4):
        for j in range(i + 1, 4):
            distance = sum(abs(a - b) for a, b in zip(means[i], means[j], strict=True))
            assert distance > 30, (i + 1, j + 1, means)


async def test_upscale_is_the_picked_image_at_twice_the_size(client: Client) -> None:
    grid_message = await grid_for(client, "an upscale")
    single = await press(client, grid_message, "U2")
    upscaled = await press(client, single, "Upscale (Subtle)")
    small = await fetch_image(single["attachments"][0]["url"])
    big = await fetch_image(upscaled["attachments"][0]["url"])
    assert big.size == (small.width * 2, small.height * 2)
    back = big.convert("RGB").resize(small.size, Image.Resampling.BOX)
    difference = ImageStat.Stat(ImageChops.difference(back, small.convert("RGB"))).mean
    assert max(difference) < 12


async def test_aspect_ratio_shapes_the_grid(client: Client) -> None:
    grid = await grid_for(client, "wide --ar 16:9")
    width, height = grid["attachments"][0]["width"], grid["attachments"][0]["height"]
    assert width > height
    assert abs(width / height - 16 / 9) < 0.1


async def test_progress_previews_are_webp(client: Client) -> None:
    await grid_for(client, "a preview")
    update = next(p["d"] for p in client.gateway.events("MESSAGE_UPDATE") if p["d"]["attachments"])
    preview = await fetch_image(update["attachments"][0]["url"])
    assert preview.format == "WEBP"


async def _first_grid(seed: int) -> tuple[str, Image.Image]:
    async with Sandbox(sandbox_config(seed=seed)) as sandbox:
        account = sandbox.add_account(token="same-token-for-both-runs")
        gateway = RawGateway()
        await gateway.connect(sandbox.gateway_url)
        ready = await gateway.identify(account.token)
        rest = RawRest(sandbox.api_base_url, account.token)
        client = Client(account, gateway, rest, ready)
        message = await grid_for(client, "determinism")
        image = await fetch_image(message["attachments"][0]["url"])
        await gateway.close()
        await rest.aclose()
        return job_uuid(message), image


async def test_same_seed_same_job_and_pixels() -> None:
    uuid_a, image_a = await _first_grid(11)
    uuid_b, image_b = await _first_grid(11)
    uuid_c, _ = await _first_grid(12)
    assert uuid_a == uuid_b
    assert same_pixels(image_a, image_b)
    assert uuid_c != uuid_a


async def test_a_video_is_an_mp4_clip_of_four_moving_pictures(client: Client) -> None:
    _, single = await picked(client, "a turning car")
    video = await press(client, single, "Animate (Low motion)")
    attachment = video["attachments"][0]
    async with httpx.AsyncClient() as http:
        response = await http.get(attachment["url"])
    with av.open(io.BytesIO(response.content)) as container:
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert (attachment["content_type"], response.headers["content-type"]) == ("video/mp4",) * 2
    assert len(frames) == 8
    assert frames[0].size == (attachment["width"], attachment["height"])
    motion = ImageStat.Stat(ImageChops.difference(frames[0], frames[-1])).mean
    assert max(motion) > 5  # it moves
    means = [ImageStat.Stat(quadrant(frames[0], i)).mean for i in range(1, 5)]
    for i in range(4):  # four different clips, as in a picture grid
        for j in range(i + 1, 4):
            assert sum(abs(a - b) for a, b in zip(means[i], means[j], strict=True)) > 30


async def test_imagine_with_video_flag_makes_a_video_job(client: Client) -> None:
    video = await client.result_of(await client.imagine("https://e.com/a.png a car --video 1"))
    assert video["attachments"][0]["content_type"] == "video/mp4"
    assert any("video_virtual_upscale" in custom_id for custom_id in custom_ids(video))
