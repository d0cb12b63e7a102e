"""Decoding client images: data URIs or bare base64, real type sniffed, size bounded."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mjproxy.domain.errors import InvalidImage
from mjproxy.media.images import ImageLimits, decode_image, decode_images
from tests.images import data_uri, image_bytes

LIMITS = ImageLimits()


async def decode(text: str, limits: ImageLimits = LIMITS) -> tuple[str, bytes]:
    image = await decode_image(text, field="base64", role="reference", limits=limits)
    return image.mime, image.data


@pytest.mark.parametrize(
    ("image_format", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
async def test_each_accepted_format_decodes_to_its_bytes(image_format: str, mime: str) -> None:
    assert await decode(data_uri(image_format)) == (mime, image_bytes(image_format))


async def test_bare_base64_url_safe_unpadded_and_wrapped_text_all_decode() -> None:
    raw = image_bytes("PNG", size=(9, 9), noise=True)
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    wrapped = "\n".join(urlsafe[i : i + 76] for i in range(0, len(urlsafe), 76))
    assert await decode(wrapped) == ("image/png", raw)


async def test_the_sniffed_type_wins_over_the_declared_one() -> None:
    lying = "data:image/png;base64," + data_uri("JPEG").split(",", 1)[1]
    assert (await decode(lying))[0] == "image/jpeg"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data:image/png;base64,", "holds no image data"),
        ("@@@@", "is not valid base64"),
        ("data:image/png,rawdata", "data URI without base64 data"),
        (base64.b64encode(b"plain text").decode(), "is not an image"),
        (
            "data:image/bmp;base64," + base64.b64encode(image_bytes("BMP")).decode(),
            "is a BMP image",
        ),
        (
            "data:image/tiff;base64," + base64.b64encode(image_bytes("TIFF")).decode(),
            "is a TIFF image",
        ),
    ],
)
async def test_unusable_data_is_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(InvalidImage, match=message) as caught:
        await decode(text)
    assert caught.value.field == "base64"


async def test_an_image_over_the_limit_is_refused_before_and_after_decoding() -> None:
    raw = image_bytes("PNG", size=(40, 40), noise=True)
    limits = ImageLimits(max_bytes=len(raw) - 1)
    with pytest.raises(InvalidImage, match="larger than the"):
        await decode(base64.b64encode(raw).decode(), limits)
    with pytest.raises(InvalidImage, match=r"larger than the 4\.0 MB limit"):
        await decode("A" * 6_000_000)


def _png(mode: str, size: tuple[int, int]) -> str:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


async def test_images_with_too_many_pixels_are_refused() -> None:
    with pytest.raises(InvalidImage, match="9000x9000 pixels"):
        await decode(_png("1", (9000, 9000)))
    with pytest.raises(InvalidImage, match="too many pixels"):
        await decode(_png("1", (9500, 9500)))


async def test_a_list_reports_the_index_of_the_bad_image() -> None:
    with pytest.raises(InvalidImage) as caught:
        await decode_images([data_uri(), "nope!"], field="base64Array", role="blend", limits=LIMITS)
    assert caught.value.field == "base64Array[1]"
