"""Test pictures made on the spot: random pixels, so any misplaced crop shows."""

from __future__ import annotations

import io
import random

from PIL import Image


def noise_image(width: int, height: int, *, seed: int = 1, mode: str = "RGB") -> Image.Image:
    channels = len(mode)
    data = random.Random(seed).randbytes(width * height * channels)
    return Image.frombytes(mode, (width, height), data)


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode and a.tobytes() == b.tobytes()
