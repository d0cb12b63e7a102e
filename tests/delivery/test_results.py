"""Results are re-hosted: tasks point at mjproxy's own image URLs, readable with a plain GET."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from mjproxy.domain.task import TaskStatus
from mjproxy.media.grid import quadrant_boxes
from mjproxy.media.retention import MediaRetention
from mjproxy.sandbox.images import TileSpec, grid_png, tile_png
from tests.delivery.conftest import (
    GRID,
    PUBLIC,
    anonymous,
    authorize,
    free_listener,
    is_settled,
    keyed,
    media_on,
    serving,
)
from tests.harness import App, StartApp, starter
from tests.images import decode, encode, noise_image, same_pixels
from tests.peers.http_peer import HttpPeer
from tests.scripted_engine import WAIT_S, upscale_buttons


async def _finished_grid(app: App, cdn: HttpPeer) -> tuple[dict[str, Any], str]:
    task_id = await app.imagine("a lighthouse at dusk")
    await app.engine.next_job()
    job_hash = await app.engine.succeed(task_id, image_url=cdn.url("/grid.png"))
    await app.wait_until(task_id, is_settled)
    return await app.fetch(task_id), job_hash


async def _image(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


async def test_a_grid_result_points_at_our_copy_and_four_exact_crops(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    async with start_app(**keyed()) as app:
        authorize(app)
        task, _ = await _finished_grid(app, cdn)
        assert task["imageUrl"].startswith(f"{PUBLIC}/mj/image/{task['id']}/")
        assert task["properties"]["cdnImageUrl"] == cdn.url("/grid.png")
        assert task["properties"]["mediaStatus"] == "stored"
        async with anonymous(app) as plain:
            stored = await _image(plain, task["imageUrl"])
            assert same_pixels(decode(stored.content), GRID)
            assert len(task["imageUrls"]) == 4
            for entry, box in zip(task["imageUrls"], quadrant_boxes(*GRID.size), strict=True):
                crop = await _image(plain, entry["url"])
                assert crop.headers["content-type"] == "image/png"
                assert same_pixels(decode(crop.content), GRID.crop(box))
            thumb = await _image(plain, task["properties"]["thumbnailUrl"])
            assert thumb.headers["content-type"] == "image/webp"


async def test_an_upscale_result_equals_its_quadrant_of_the_stored_grid(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    # The sandbox's own renderings: a grid composed from four tiles, and tile 3 as the U3.
    tiles = [TileSpec("9b1d3c1e-job", i, "a lighthouse at dusk", 96, 64) for i in range(1, 5)]
    cdn.files["/sandbox-grid.png"] = (grid_png(tiles), "image/png")
    cdn.files["/sandbox-u3.png"] = (tile_png(tiles[2]), "image/png")
    async with start_app(**keyed()) as app:
        authorize(app)
        grid_id = await app.imagine("a lighthouse at dusk")
        await app.engine.next_job()
        job_hash = await app.engine.succeed(grid_id, image_url=cdn.url("/sandbox-grid.png"))
        await app.wait_until(grid_id, is_settled)
        grid_task = await app.fetch(grid_id)
        reply = await app.submit(
            "/mj/submit/action",
            {"taskId": grid_id, "customId": f"MJ::JOB::upsample::3::{job_hash}"},
        )
        upscale_id = reply["result"]
        await app.engine.next_job()
        await app.engine.succeed(
            upscale_id, image_url=cdn.url("/sandbox-u3.png"), buttons=upscale_buttons("h2")
        )
        await app.wait_until(upscale_id, is_settled)
        upscale = await app.fetch(upscale_id)
        assert upscale["action"] == "UPSCALE"
        assert upscale["imageUrls"] == []
        async with anonymous(app) as plain:
            u3 = decode((await _image(plain, upscale["imageUrl"])).content)
            quadrant3 = decode((await _image(plain, grid_task["imageUrls"][2]["url"])).content)
            quadrant2 = decode((await _image(plain, grid_task["imageUrls"][1]["url"])).content)
        assert same_pixels(u3.convert("RGB"), quadrant3.convert("RGB"))
        assert not same_pixels(u3.convert("RGB"), quadrant2.convert("RGB"))


async def test_images_answer_a_plain_get_over_a_real_socket_with_cache_headers(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    listener = free_listener()
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    async with start_app(**keyed(public_base_url=base)) as app:
        authorize(app)
        task, _ = await _finished_grid(app, cdn)
        async with serving(app.fastapi, listener), httpx.AsyncClient() as plain:
            assert (await plain.get(f"{base}/mj/task/{task['id']}/fetch")).status_code == 401
            response = await plain.get(task["imageUrl"])
            assert response.status_code == 200
            assert response.headers["content-type"] == "image/png"
            assert response.headers["access-control-allow-origin"] == "*"
            assert "immutable" in response.headers["cache-control"]
            etag = response.headers["etag"]
            again = await plain.get(task["imageUrl"], headers={"If-None-Match": etag})
            assert (again.status_code, again.content) == (304, b"")
            head = await plain.head(task["imageUrl"])
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-length"] == str(len(response.content))


async def test_unknown_and_malformed_image_paths_answer_404_json(start_app: StartApp) -> None:
    async with start_app(**keyed()) as app, anonymous(app) as plain:
        for path in (
            "/mj/image/1/AAAAAAAAAAAAAAAAAAAAAA/image.png",
            "/mj/image/1/short/image.png",
            "/mj/image/1/AAAAAAAAAAAAAAAAAAAAAA/..%2F..%2Fmjproxy.db",
            "/mj/image/abc/AAAAAAAAAAAAAAAAAAAAAA/image.png",
        ):
            response = await plain.get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] in (3, 4)


async def test_expired_media_answers_404_never_500(start_app: StartApp, cdn: HttpPeer) -> None:
    async with start_app(**keyed()) as app:
        authorize(app)
        task, _ = await _finished_grid(app, cdn)
        storage = app.services.delivery.storage
        later = MediaRetention(storage, retention_days=1, clock_s=lambda: time.time() + 2 * 86_400)
        assert await later.sweep() == 6  # image, four crops, thumbnail
        async with anonymous(app) as plain:
            for url in [task["imageUrl"]] + [entry["url"] for entry in task["imageUrls"]]:
                response = await plain.get(url)
                assert response.status_code == 404
                assert "expired" in response.json()["description"]
        assert (await app.fetch(task["id"]))["status"] == "SUCCESS"


async def test_a_progress_preview_is_served_from_our_copy(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    cdn.files["/preview.png"] = (encode(noise_image(64, 48, seed=5)), "image/png")
    async with start_app(**keyed(media=media_on(previews=True))) as app:
        authorize(app)
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.progress(task_id, 40, image_url=cdn.url("/preview.png"))
        task = await app.wait_until(
            task_id, lambda t: (t.image_url or "").startswith(f"{PUBLIC}/mj/image/")
        )
        assert task.status is TaskStatus.IN_PROGRESS
        assert task.properties["cdnImageUrl"] == cdn.url("/preview.png")
        async with anonymous(app) as plain:
            preview = await _image(plain, task.image_url or "")
        assert preview.headers["content-type"] == "image/webp"
        assert decode(preview.content).size == (64, 48)


async def test_a_result_the_cdn_no_longer_has_keeps_its_cdn_url(
    start_app: StartApp, cdn: HttpPeer
) -> None:
    async with start_app(**keyed()) as app:
        authorize(app)
        task_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.succeed(task_id, image_url=cdn.url("/expired.png"))
        task = await app.wait_until(task_id, is_settled)
        assert task.properties["mediaStatus"] == "failed"
        assert task.image_url == cdn.url("/expired.png")
        assert task.image_urls == []


async def test_the_cleanup_job_deletes_expired_media_by_itself(
    sqlite_url: str, tmp_path: Path, cdn: HttpPeer
) -> None:
    """The app's own schedule (media.cleanup_interval_s), not a sweep called by the test."""
    media = media_on(retention_days=3 / 86_400, cleanup_interval_s=0.1)  # kept three seconds
    async with starter(sqlite_url, tmp_path)(**keyed(media=media)) as app:
        authorize(app)
        task, _ = await _finished_grid(app, cdn)
        urls = [task["imageUrl"]] + [entry["url"] for entry in task["imageUrls"]]
        async with anonymous(app) as plain:
            fresh = [(await plain.get(url)).status_code for url in urls]
            for _poll in range(int(WAIT_S * 10)):  # the sweep runs every 0.1 s
                if (await plain.get(urls[0])).status_code != 200:
                    break
                await asyncio.sleep(0.1)
            gone = [await plain.get(url) for url in urls]
    assert fresh == [200] * 5
    assert [response.status_code for response in gone] == [404] * 5
    assert all("expired" in response.json()["description"] for response in gone)
