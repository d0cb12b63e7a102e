"""Small WebP previews of result images, for consoles and lists. Blocking; run in a thread."""

from __future__ import annotations

import io

from PIL import Image

from mjproxy.media.grid import open_image

DEFAULT_MAX_SIDE = 384
DEFAULT_QUALITY = 80


def make_thumbnail(
    data: bytes, *, max_side: int = DEFAULT_MAX_SIDE, quality: int = DEFAULT_QUALITY
) -> bytes:
    """A WebP of the image in `data`, scaled down (never up) to fit `max_side`×`max_side`.

    Raises `MediaError` if `data` is not a decodable image.
    """
    return thumbnail_of(open_image(data), max_side=max_side, quality=quality)


def thumbnail_of(
    image: Image.Image, *, max_side: int = DEFAULT_MAX_SIDE, quality: int = DEFAULT_QUALITY
) -> bytes:
    """A WebP of a decoded image; see `make_thumbnail`. `image` is left unchanged."""
    image = image.copy()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=4)
    return buffer.getvalue()
