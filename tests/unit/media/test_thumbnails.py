"""Thumbnails are small WebP images of the whole picture."""

from __future__ import annotations

import pytest

from mjproxy.domain.errors import MediaError
from mjproxy.media.thumbnails import make_thumbnail
from tests.images import decode, encode, noise_image


def test_a_large_image_is_scaled_down_to_fit_keeping_its_aspect() -> None:
    thumb = decode(make_thumbnail(encode(noise_image(800, 400)), max_side=200))
    assert thumb.format == "WEBP"
    assert thumb.size == (200, 100)


def test_a_small_image_is_never_scaled_up() -> None:
    thumb = decode(make_thumbnail(encode(noise_image(50, 30)), max_side=200))
    assert thumb.size == (50, 30)


def test_a_palette_image_with_transparency_converts() -> None:
    image = noise_image(20, 20).convert("P")
    image.info["transparency"] = 0
    assert decode(make_thumbnail(encode(image))).format == "WEBP"


def test_garbage_is_refused() -> None:
    with pytest.raises(MediaError):
        make_thumbnail(b"\x89PNG\r\n\x1a\nbroken")
