"""Test pictures made on the spot (nothing is downloaded): random pixels, so any misplaced
crop shows, and small encoded images and data URIs for request bodies."""

from __future__ import annotations

import base64
import io
import random

from PIL import Image

_MIMES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


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


def image_bytes(
    image_format: str = "PNG", size: tuple[int, int] = (8, 8), *, noise: bool = False
) -> bytes:
    """An encoded image; `noise` makes it incompressible (its file size ~ 3 bytes a pixel)."""
    image = noise_image(*size, seed=7) if noise else Image.new("RGB", size, (200, 30, 30))
    return encode(image, image_format)


def data_uri(
    image_format: str = "PNG", size: tuple[int, int] = (8, 8), *, noise: bool = False
) -> str:
    declared = _MIMES.get(image_format, "image/png")
    encoded = base64.b64encode(image_bytes(image_format, size, noise=noise)).decode()
    return f"data:{declared};base64,{encoded}"
