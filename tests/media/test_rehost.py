"""Re-hosting copies a CDN result into storage once and hands back our own URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from mjproxy.domain.errors import MediaError
from mjproxy.media.grid import quadrant_boxes
from mjproxy.media.rehost import RehostOptions, ResultRehoster
from mjproxy.media.storage import LocalMediaStorage, MediaStorage
from tests.images import decode, encode, noise_image, same_pixels
from tests.peers.http_peer import HttpPeer, Recorded

BASE = "https://mj.example.com/"


@pytest.fixture
async def cdn() -> AsyncIterator[HttpPeer]:
    peer = HttpPeer()
    await peer.start()
    try:
        yield peer
    finally:
        await peer.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def _rehoster(
    storage: MediaStorage, client: httpx.AsyncClient, **options: object
) -> ResultRehoster:
    return ResultRehoster(
        storage=storage,
        client=client,
        options=RehostOptions(public_base_url=BASE, **options),  # type: ignore[arg-type]
    )


def _key_of(url: str) -> str:
    assert url.startswith("https://mj.example.com/mj/image/")
    return url.removeprefix("https://mj.example.com/mj/image/")


async def test_a_grid_result_is_stored_with_four_exact_crops(
    storage: MediaStorage, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    grid = noise_image(96, 64, seed=7)
    cdn.files["/grid.png"] = (encode(grid), "image/png")
    result = await _rehoster(storage, client).rehost_result(
        "42", cdn.url("/grid.png"), is_grid=True
    )
    stored = await storage.get(_key_of(result.image_url))
    assert stored is not None
    assert same_pixels(decode(stored.data), grid)
    assert len(result.image_urls) == 4
    for url, box in zip(result.image_urls, quadrant_boxes(96, 64), strict=True):
        crop = await storage.get(_key_of(url))
        assert crop is not None
        assert crop.content_type == "image/png"
        assert same_pixels(decode(crop.data), grid.crop(box))
    thumb = await storage.get(_key_of(result.thumbnail_url))
    assert thumb is not None
    assert decode(thumb.data).format == "WEBP"


async def test_a_single_image_gets_no_crops_and_keeps_its_format(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    storage = LocalMediaStorage(tmp_path)
    cdn.files["/u1.webp"] = (encode(noise_image(20, 20), "WEBP"), "image/webp")
    result = await _rehoster(storage, client).rehost_result(
        "43", cdn.url("/u1.webp"), is_grid=False
    )
    assert result.image_urls == []
    assert result.image_url.endswith("/image.webp")
    stored = await storage.get(_key_of(result.image_url))
    assert stored is not None
    assert stored.content_type == "image/webp"


async def test_urls_hold_an_unguessable_token_per_result(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    cdn.files["/a.png"] = (encode(noise_image(4, 4)), "image/png")
    rehoster = _rehoster(LocalMediaStorage(tmp_path), client)
    first = await rehoster.rehost_result("44", cdn.url("/a.png"), is_grid=False)
    second = await rehoster.rehost_result("44", cdn.url("/a.png"), is_grid=False)
    tokens = {_key_of(result.image_url).split("/")[1] for result in (first, second)}
    assert len(tokens) == 2
    assert all(len(token) >= 22 for token in tokens)


async def test_a_preview_is_stored_as_webp(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    storage = LocalMediaStorage(tmp_path)
    cdn.files["/p.png"] = (encode(noise_image(30, 30)), "image/png")
    url = await _rehoster(storage, client).rehost_preview("45", cdn.url("/p.png"), progress=37)
    assert url.endswith("/progress-37.webp")
    stored = await storage.get(_key_of(url))
    assert stored is not None
    assert stored.content_type == "image/webp"


async def test_a_cdn_that_fails_twice_then_answers_is_retried(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    picture = encode(noise_image(8, 8))

    async def flaky(record: Recorded) -> web.StreamResponse:
        if len(cdn.requests) < 3:
            return web.Response(status=503)
        return web.Response(body=picture, content_type="image/png")

    cdn.respond = flaky
    rehoster = _rehoster(LocalMediaStorage(tmp_path), client, download_attempts=3)
    result = await rehoster.rehost_result("46", cdn.url("/flaky.png"), is_grid=False)
    assert len(cdn.requests) == 3
    assert result.image_url


async def test_an_expired_cdn_link_fails_with_a_clear_error(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    async def not_found(record: Recorded) -> web.StreamResponse:
        return web.Response(status=404, text="This content is no longer available.")

    cdn.respond = not_found
    with pytest.raises(MediaError, match="HTTP 404"):
        await _rehoster(LocalMediaStorage(tmp_path), client).rehost_result(
            "47", cdn.url("/gone.png"), is_grid=True
        )
    assert len(cdn.requests) == 1  # a 404 is final: no retries


async def test_an_oversized_download_is_refused(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    cdn.files["/big.png"] = (encode(noise_image(64, 64)), "image/png")
    rehoster = _rehoster(LocalMediaStorage(tmp_path), client, max_download_bytes=1000)
    with pytest.raises(MediaError, match="larger than 1000 bytes"):
        await rehoster.rehost_result("48", cdn.url("/big.png"), is_grid=False)


async def test_a_non_image_is_refused_and_nothing_is_stored(
    tmp_path: Path, cdn: HttpPeer, client: httpx.AsyncClient
) -> None:
    cdn.files["/page.png"] = (b"<html>expired</html>", "text/html")
    with pytest.raises(MediaError, match="could not decode"):
        await _rehoster(LocalMediaStorage(tmp_path / "m"), client).rehost_result(
            "49", cdn.url("/page.png"), is_grid=True
        )
    assert not (tmp_path / "m").exists()
