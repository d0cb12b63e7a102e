"""Images clients send as base64 (data URIs or bare): decode, check the real type, bound the size.

The declared MIME type of a data URI is not trusted: Pillow reads the bytes and says what
they are. Decoding runs in a worker thread because a 4 MB image takes milliseconds of CPU
that must not stall the event loop.
"""

from __future__ import annotations

import asyncio
import binascii
import io
import re
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from mjproxy.domain.errors import InvalidImage
from mjproxy.domain.task import ImageInput

_MIME_BY_FORMAT = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_DATA_URI = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^,;]*)*?),", re.ASCII)
_WHITESPACE = re.compile(r"\s+")
# A 4 MB file can still declare billions of pixels; Midjourney accepts far less than this.
_MAX_PIXELS = 64_000_000


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int = 4 * 1024 * 1024


async def decode_image(text: str, *, field: str, role: str, limits: ImageLimits) -> ImageInput:
    """Decode one base64 image sent in `field`. Raises `InvalidImage` saying what is wrong."""
    return await asyncio.to_thread(_decode, text, field, role, limits)


async def decode_images(
    texts: Sequence[str], *, field: str, role: str, limits: ImageLimits
) -> list[ImageInput]:
    """Decode each of `texts` (reported as `field[0]`, `field[1]` …) in one worker thread."""

    def decode_all() -> list[ImageInput]:
        return [_decode(text, f"{field}[{i}]", role, limits) for i, text in enumerate(texts)]

    return await asyncio.to_thread(decode_all)


def _decode(text: str, field: str, role: str, limits: ImageLimits) -> ImageInput:
    payload = _strip_data_uri(text, field)
    # base64 grows data by 4/3; refuse before decoding megabytes we will throw away.
    if len(payload) > (limits.max_bytes * 4) // 3 + 4:
        raise InvalidImage(field, f"is larger than the {_megabytes(limits.max_bytes)} limit")
    data = _b64decode(payload, field)
    if not data:
        raise InvalidImage(field, "holds no image data")
    if len(data) > limits.max_bytes:
        raise InvalidImage(
            field,
            f"is {_megabytes(len(data))}, larger than the {_megabytes(limits.max_bytes)} limit",
        )
    return ImageInput(data=data, mime=_sniff(data, field), role=role)


def _strip_data_uri(text: str, field: str) -> str:
    text = text.strip()
    if not text.startswith("data:"):
        return _WHITESPACE.sub("", text)
    match = _DATA_URI.match(text)
    if match is None or ";base64" not in match.group("params"):
        raise InvalidImage(
            field, "is a data URI without base64 data; expected 'data:image/png;base64,...'"
        )
    return _WHITESPACE.sub("", text[match.end() :])


def _b64decode(payload: str, field: str) -> bytes:
    # Some clients strip the padding or use the URL-safe alphabet; both are unambiguous.
    payload = payload.replace("-", "+").replace("_", "/")
    payload += "=" * (-len(payload) % 4)
    try:
        return binascii.a2b_base64(payload, strict_mode=True)
    except (binascii.Error, ValueError):
        raise InvalidImage(
            field, "is not valid base64; expected a data URI 'data:image/png;base64,...'"
        ) from None


def _sniff(data: bytes, field: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InvalidImage(field, "has too many pixels to be a usable image") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise InvalidImage(
                field, "is not an image; expected PNG, JPEG, WebP or GIF data"
            ) from None
    mime = _MIME_BY_FORMAT.get(image_format)
    if mime is None:
        raise InvalidImage(
            field, f"is a {image_format or 'unknown'} image; expected PNG, JPEG, WebP or GIF"
        )
    if width * height > _MAX_PIXELS:
        raise InvalidImage(field, f"is {width}x{height} pixels, more than Midjourney accepts")
    return mime


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
