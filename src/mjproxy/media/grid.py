"""Cut a Midjourney 2×2 grid into its four images, exactly, losslessly.

Quadrants are numbered like Midjourney's buttons: 1 top-left, 2 top-right, 3 bottom-left,
4 bottom-right. For an odd width or height the left/top halves get the smaller share
(`size // 2`), so the four crops tile the grid with no pixel lost or repeated. Crops are
PNG so each crop's pixels are the decoded grid's pixels in that region. These functions
block on decoding; callers run them in a worker thread.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from mjproxy.domain.errors import MediaError

# A decompression bomb guard: Midjourney's largest outputs (4x upscales) stay far below.
MAX_PIXELS = 64_000_000


def quadrant_boxes(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The (left, top, right, bottom) boxes of quadrants 1–4 of a `width`×`height` grid."""
    half_w, half_h = width // 2, height // 2
    return [
        (0, 0, half_w, half_h),
        (half_w, 0, width, half_h),
        (0, half_h, half_w, height),
        (half_w, half_h, width, height),
    ]


def open_image(data: bytes) -> Image.Image:
    """Decode `data` fully; raise `MediaError` when it is not an image we can read."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise MediaError(
                f"Expected an image of at most {MAX_PIXELS} pixels, "
                f"but got {image.width}×{image.height}."
            )
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(
            f"Expected a PNG, JPEG, WebP or GIF image, but could not decode it "
            f"({type(exc).__name__})."
        ) from exc
    return image


def split_grid(data: bytes) -> list[bytes]:
    """The four quadrants of the grid image in `data`, each encoded as PNG.

    Raises `MediaError` if `data` is not a decodable image or is smaller than 2×2 pixels.
    """
    return split_image(open_image(data))


def split_image(image: Image.Image) -> list[bytes]:
    """The four quadrants of a decoded grid, each encoded as PNG; see `split_grid`."""
    if image.width < 2 or image.height < 2:
        raise MediaError(
            f"Expected a grid of at least 2×2 pixels, but got {image.width}×{image.height}."
        )
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    crops: list[bytes] = []
    for box in quadrant_boxes(image.width, image.height):
        buffer = io.BytesIO()
        image.crop(box).save(buffer, format="PNG", compress_level=6)
        crops.append(buffer.getvalue())
    return crops
