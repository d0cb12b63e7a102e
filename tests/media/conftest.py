"""Media fixtures: both storage backends (S3 on the run's real server, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mjproxy.media.s3 import S3MediaStorage, S3Options, S3UrlMode
from mjproxy.media.storage import LocalMediaStorage, MediaStorage
from tests.peers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server


def s3_options(server: S3Server, bucket: str, **overrides: object) -> S3Options:
    values: dict[str, object] = {
        "bucket": bucket,
        "endpoint_url": server.endpoint_url,
        "region": REGION,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "prefix": "media",
        "url_mode": S3UrlMode.PROXY,
        "timeout_s": 10.0,
    }
    values.update(overrides)
    return S3Options(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server
) -> AsyncIterator[MediaStorage]:
    backend: MediaStorage
    if request.param == "local":
        backend = LocalMediaStorage(tmp_path / "media")
    else:
        backend = S3MediaStorage(s3_options(s3_server, s3_server.create_bucket()))
    try:
        yield backend
    finally:
        await backend.aclose()
