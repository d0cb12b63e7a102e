"""Re-hosting into a real S3-compatible server (moto on 127.0.0.1) in each URL mode."""

from __future__ import annotations

from typing import Any

import httpx

from tests.delivery.conftest import GRID, PUBLIC, anonymous, authorize, is_settled, keyed, media_on
from tests.harness import App, StartApp
from tests.images import decode, same_pixels
from tests.peers.http_peer import HttpPeer
from tests.peers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server


def _s3(server: S3Server, *, public_read: bool = False, **overrides: Any) -> dict[str, Any]:
    return {
        "bucket": server.create_bucket(public_read=public_read),
        "endpoint_url": server.endpoint_url,
        "region": REGION,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "prefix": "results/",
        **overrides,
    }


async def _finished(app: App, cdn: HttpPeer) -> dict[str, Any]:
    authorize(app)
    task_id = await app.imagine()
    await app.engine.next_job()
    await app.engine.succeed(task_id, image_url=cdn.url("/grid.png"))
    await app.wait_until(task_id, is_settled)
    return await app.fetch(task_id)


async def test_proxy_mode_serves_bucket_objects_through_the_app(
    start_app: StartApp, cdn: HttpPeer, s3_server: S3Server
) -> None:
    media = media_on(storage="s3", s3=_s3(s3_server))
    async with start_app(**keyed(media=media)) as app:
        task = await _finished(app, cdn)
        assert task["properties"]["mediaStatus"] == "stored"
        assert task["imageUrl"].startswith(f"{PUBLIC}/mj/image/")
        async with anonymous(app) as plain:
            response = await plain.get(task["imageUrl"])
            crop = await plain.get(task["imageUrls"][3]["url"])
        assert response.status_code == 200
        assert same_pixels(decode(response.content), GRID)
        assert same_pixels(decode(crop.content), GRID.crop((64, 48, 128, 96)))


async def test_presigned_mode_redirects_to_a_fresh_signed_url(
    start_app: StartApp, cdn: HttpPeer, s3_server: S3Server
) -> None:
    media = media_on(storage="s3", s3=_s3(s3_server, url_mode="presigned", presign_expiry_s=60))
    async with start_app(**keyed(media=media)) as app:
        task = await _finished(app, cdn)
        async with anonymous(app) as plain:
            redirect = await plain.get(task["imageUrl"])
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(s3_server.endpoint_url)
        assert "X-Amz-Signature" in location
        async with httpx.AsyncClient() as outside:
            image = await outside.get(location)
        assert same_pixels(decode(image.content), GRID)


async def test_public_mode_puts_bucket_urls_in_the_task(
    start_app: StartApp, cdn: HttpPeer, s3_server: S3Server
) -> None:
    settings = _s3(s3_server, public_read=True, url_mode="public")
    settings["public_base_url"] = f"{s3_server.endpoint_url}/{settings['bucket']}"
    async with start_app(**keyed(media=media_on(storage="s3", s3=settings))) as app:
        task = await _finished(app, cdn)
    assert task["imageUrl"].startswith(f"{settings['public_base_url']}/results/{task['id']}/")
    async with httpx.AsyncClient() as outside:
        image = await outside.get(task["imageUrl"])
    assert image.status_code == 200
    assert same_pixels(decode(image.content), GRID)
