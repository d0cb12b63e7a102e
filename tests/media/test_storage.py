"""Both media backends keep the same contract: local directory and a real S3-compatible server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mjproxy.domain.errors import MediaError
from mjproxy.media.s3 import S3MediaStorage, S3Options, S3UrlMode
from mjproxy.media.storage import LocalMediaStorage, MediaStorage
from tests.media.conftest import s3_options
from tests.peers.s3 import S3Server


async def _all_keys(storage: MediaStorage) -> set[str]:
    return {item.key async for batch in storage.list_objects() for item in batch}


async def test_a_stored_object_reads_back_with_its_type(storage: MediaStorage) -> None:
    await storage.put("1/tok/image.png", b"\x89PNG data", content_type="image/png")
    found = await storage.get("1/tok/image.png")
    assert found is not None
    assert (found.data, found.content_type) == (b"\x89PNG data", "image/png")
    assert found.etag.startswith('"')


async def test_a_missing_key_reads_as_none(storage: MediaStorage) -> None:
    assert await storage.get("1/tok/missing.png") is None
    assert not await storage.exists("1/tok/missing.png")


async def test_listing_finds_every_object_and_delete_removes_them(storage: MediaStorage) -> None:
    keys = {f"{task}/tok/grid-{n}.png" for task in (1, 2) for n in (1, 2)}
    for key in keys:
        await storage.put(key, b"x", content_type="image/png")
    assert await _all_keys(storage) == keys
    await storage.delete([*sorted(keys)[:2], "9/tok/never-stored.png"])
    assert await _all_keys(storage) == set(sorted(keys)[2:])


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs.png", "a/../b.png", "a//b", ".hidden", ""])
async def test_unsafe_keys_are_refused(storage: MediaStorage, key: str) -> None:
    with pytest.raises(MediaError, match="safe path segments"):
        await storage.put(key, b"x", content_type="image/png")


async def test_local_storage_offers_no_direct_url(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    assert storage.public_url("1/t/a.png") is None
    assert await storage.redirect_url("1/t/a.png") is None


async def test_local_delete_removes_emptied_task_directories(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path / "media")
    await storage.put("1/tok/a.png", b"x", content_type="image/png")
    await storage.delete(["1/tok/a.png"])
    assert list((tmp_path / "media").iterdir()) == []


async def test_s3_presigned_url_fetches_the_object_with_a_plain_get(s3_server: S3Server) -> None:
    options = s3_options(s3_server, s3_server.create_bucket(), url_mode=S3UrlMode.PRESIGNED)
    storage = S3MediaStorage(options)
    try:
        await storage.put("5/tok/image.png", b"picture", content_type="image/png")
        url = await storage.redirect_url("5/tok/image.png")
        assert url is not None
        assert "X-Amz-Signature" in url
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        assert (response.status_code, response.content) == (200, b"picture")
        assert response.headers["content-type"] == "image/png"
        assert storage.public_url("5/tok/image.png") is None
    finally:
        await storage.aclose()


async def test_s3_public_mode_builds_urls_from_the_public_base(s3_server: S3Server) -> None:
    bucket = s3_server.create_bucket()
    options = s3_options(
        s3_server,
        bucket,
        url_mode=S3UrlMode.PUBLIC,
        public_base_url=f"{s3_server.endpoint_url}/{bucket}/",
    )
    storage = S3MediaStorage(options)
    try:
        await storage.put("5/tok/image.png", b"picture", content_type="image/png")
        url = storage.public_url("5/tok/image.png")
        assert url == f"{s3_server.endpoint_url}/{bucket}/media/5/tok/image.png"
        assert await storage.redirect_url("5/tok/image.png") is None
    finally:
        await storage.aclose()


async def test_s3_errors_become_media_errors(s3_server: S3Server) -> None:
    storage = S3MediaStorage(s3_options(s3_server, "no-such-bucket-here"))
    try:
        with pytest.raises(MediaError, match="S3 bucket"):
            await storage.put("1/t/a.png", b"x", content_type="image/png")
    finally:
        await storage.aclose()


def test_public_mode_without_a_base_url_is_refused() -> None:
    with pytest.raises(ValueError, match="public_base_url"):
        S3Options(bucket="b", url_mode=S3UrlMode.PUBLIC)
