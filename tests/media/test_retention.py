"""Retention deletes what is older than the configured period, on both backends."""

from __future__ import annotations

import time

import pytest

from mjproxy.media.retention import MediaRetention
from mjproxy.media.storage import MediaStorage

DAY_S = 86_400


async def _keys(storage: MediaStorage) -> set[str]:
    return {item.key async for batch in storage.list_objects() for item in batch}


async def test_objects_older_than_the_period_are_deleted(storage: MediaStorage) -> None:
    await storage.put("1/t/image.png", b"x", content_type="image/png")
    await storage.put("1/t/grid-1.png", b"x", content_type="image/png")
    retention = MediaRetention(storage, retention_days=3, clock_s=lambda: time.time() + 4 * DAY_S)
    assert await retention.sweep() == 2
    assert await _keys(storage) == set()
    assert await storage.get("1/t/image.png") is None


async def test_objects_within_the_period_stay(storage: MediaStorage) -> None:
    await storage.put("2/t/image.png", b"x", content_type="image/png")
    retention = MediaRetention(storage, retention_days=3, clock_s=lambda: time.time() + 2 * DAY_S)
    assert await retention.sweep() == 0
    assert await _keys(storage) == {"2/t/image.png"}


async def test_zero_days_keeps_everything_forever(storage: MediaStorage) -> None:
    await storage.put("3/t/image.png", b"x", content_type="image/png")
    retention = MediaRetention(
        storage, retention_days=0, clock_s=lambda: time.time() + 9999 * DAY_S
    )
    assert await retention.sweep() == 0
    assert await _keys(storage) == {"3/t/image.png"}


def test_a_negative_period_is_refused(storage: MediaStorage) -> None:
    with pytest.raises(ValueError, match="retention_days"):
        MediaRetention(storage, retention_days=-1)
