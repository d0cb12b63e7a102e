"""Grid splitting cuts four exact quadrants."""

from __future__ import annotations

import pytest

from mjproxy.domain.errors import MediaError
from mjproxy.media.grid import quadrant_boxes, split_grid
from tests.images import decode, encode, noise_image, same_pixels


@pytest.mark.parametrize(("width", "height"), [(64, 48), (65, 47), (2, 2)])
def test_each_crop_equals_its_region_of_the_grid_pixel_for_pixel(width: int, height: int) -> None:
    grid = noise_image(width, height)
    crops = [decode(data) for data in split_grid(encode(grid))]
    boxes = quadrant_boxes(width, height)
    assert len(crops) == 4
    for crop, box in zip(crops, boxes, strict=True):
        assert same_pixels(crop, grid.crop(box))


def test_quadrants_tile_the_grid_without_overlap() -> None:
    boxes = quadrant_boxes(7, 5)
    assert boxes == [(0, 0, 3, 2), (3, 0, 7, 2), (0, 2, 3, 5), (3, 2, 7, 5)]
    area = sum((right - left) * (bottom - top) for left, top, right, bottom in boxes)
    assert area == 7 * 5


def test_quadrant_three_is_bottom_left() -> None:
    grid = noise_image(40, 40, seed=3)
    third = decode(split_grid(encode(grid))[2])
    assert third.getpixel((0, 0)) == grid.getpixel((0, 20))


def test_an_rgba_grid_keeps_its_alpha() -> None:
    grid = noise_image(10, 10, mode="RGBA")
    crops = [decode(data) for data in split_grid(encode(grid))]
    assert same_pixels(crops[3], grid.crop((5, 5, 10, 10)))


def test_a_lossy_grid_is_cut_from_its_decoded_pixels() -> None:
    data = encode(noise_image(32, 32), "WEBP")
    decoded = decode(data).convert("RGB")
    assert same_pixels(decode(split_grid(data)[1]), decoded.crop((16, 0, 32, 16)))


def test_bytes_that_are_not_an_image_are_refused() -> None:
    with pytest.raises(MediaError, match="could not decode"):
        split_grid(b"not an image")


def test_a_one_pixel_image_is_not_a_grid() -> None:
    with pytest.raises(MediaError, match="at least 2×2"):
        split_grid(encode(noise_image(1, 5)))
