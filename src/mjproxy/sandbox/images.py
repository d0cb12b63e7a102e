"""Real, deterministic pictures made with Pillow: tiles, 2×2 grids, upscales, previews; and
MP4 clips made from them with PyAV.

A tile is a pure function of (job key, index, prompt, size, variant): its colour comes from a
hash of the key and index, rotated a quarter turn of hue per index so the four quadrants of a
grid always differ visibly, and it carries its index in large type and the prompt as text.
The grid is composed from the same tiles, so the U3 upscale is pixel-for-pixel quadrant 3.
Every function here is CPU work: callers run them through `asyncio.to_thread`.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import textwrap
from dataclasses import dataclass, replace
from functools import lru_cache

import av
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageStat, UnidentifiedImageError

# Quadrant order Midjourney uses for U1–U4: top-left, top-right, bottom-left, bottom-right.
QUADRANTS = {1: (0, 0), 2: (1, 0), 3: (0, 1), 4: (1, 1)}
_NAMED_COLOURS = {
    "crimson": (200, 30, 50),
    "orange": (240, 140, 30),
    "golden": (230, 200, 60),
    "emerald": (40, 170, 90),
    "teal": (30, 150, 160),
    "azure": (50, 120, 220),
    "violet": (130, 70, 200),
    "rose": (220, 110, 170),
    "charcoal": (50, 50, 55),
    "ivory": (240, 235, 220),
}


@dataclass(frozen=True, slots=True)
class TileSpec:
    """Everything that determines one tile's pixels."""

    key: str  # the job uuid whose grid this tile belongs to
    index: int  # 1–4
    prompt: str
    width: int
    height: int
    variant: str = "image"


def tile_size(aspect: tuple[int, int], long_side_px: int) -> tuple[int, int]:
    """A tile's (width, height) for an aspect ratio with long side `long_side_px`.

    Sides are multiples of 8 like Midjourney's (1456×816 for 16:9); tiny test tiles round to
    even numbers instead, so their aspect stays recognisable.
    """
    w, h = aspect
    width = float(long_side_px) if w >= h else long_side_px * w / h
    height = float(long_side_px) if h >= w else long_side_px * h / w
    step = 8 if long_side_px >= 256 else 2
    return max(step, round(width / step) * step), max(step, round(height / step) * step)


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, size))


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _palette(spec: TileSpec) -> tuple[tuple[int, int, int], tuple[int, int, int], int]:
    """Background, accent and a pattern number; the hue turns a quarter per index."""
    digest = hashlib.sha256(f"{spec.key}:{spec.index}:{spec.variant}".encode()).digest()
    hue = (digest[0] / 255 + spec.index * 0.25) % 1.0
    return _rgb(hue, 0.55, 0.85), _rgb((hue + 0.5) % 1.0, 0.7, 0.6), digest[1]


def render_tile(spec: TileSpec) -> Image.Image:
    background, accent, pattern = _palette(spec)
    image = Image.new("RGB", (spec.width, spec.height), background)
    draw = ImageDraw.Draw(image)
    short = min(spec.width, spec.height)
    rings = 3 + pattern % 5
    for ring in range(rings):
        inset = ring * short // (2 * rings + 1)
        box = (inset, inset, spec.width - 1 - inset, spec.height - 1 - inset)
        draw.ellipse(box, outline=accent, width=max(1, short // 60))
    draw.text(
        (spec.width / 2, spec.height / 2),
        str(spec.index),
        font=_font(short // 2),
        anchor="mm",
        fill=(255, 255, 255),
        stroke_width=max(1, short // 80),
        stroke_fill=accent,
    )
    small = _font(short // 14)
    for row, line in enumerate(textwrap.wrap(spec.prompt, width=28)[:3]):
        draw.text((short // 20, short // 20 + row * short // 12), line, font=small, fill=(0, 0, 0))
    draw.text((short // 20, spec.height - short // 10), spec.key[:8], font=small, fill=accent)
    return image


def compose_grid(tiles: list[TileSpec]) -> Image.Image:
    """Four tiles of one size in Midjourney's quadrant order."""
    width, height = tiles[0].width, tiles[0].height
    grid = Image.new("RGB", (width * 2, height * 2))
    for spec in tiles:
        column, row = QUADRANTS[spec.index]
        grid.paste(render_tile(spec), (column * width, row * height))
    return grid


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def grid_png(tiles: list[TileSpec]) -> bytes:
    return encode(compose_grid(tiles), "PNG", compress_level=1)


def tile_png(spec: TileSpec, *, scale: int = 1) -> bytes:
    """One tile as PNG; `scale` > 1 is an upscale of the very same picture."""
    image = render_tile(spec)
    if scale > 1:
        image = image.resize((spec.width * scale, spec.height * scale), Image.Resampling.LANCZOS)
    return encode(image, "PNG", compress_level=1)


def scaled_tile(spec: TileSpec, divisor: int) -> TileSpec:
    """The same tile drawn `divisor` times smaller (for previews)."""
    return replace(spec, width=max(8, spec.width // divisor), height=max(8, spec.height // divisor))


def preview(tiles: list[TileSpec], percent: int, fmt: str) -> tuple[bytes, tuple[int, int]]:
    """A blurred look at the unfinished grid (blurrier the earlier the step)."""
    grid = compose_grid(tiles) if len(tiles) == 4 else render_tile(tiles[0])
    radius = max(0.0, (100 - percent) / 10) * grid.width / 512
    blurred = grid.filter(ImageFilter.GaussianBlur(radius=radius))
    if fmt == "JPEG":
        return encode(blurred, "JPEG", quality=70), blurred.size
    return encode(blurred, "WEBP", quality=60), blurred.size


def clip_mp4(tiles: list[TileSpec], *, frames: int = 8, fps: int = 8) -> bytes:
    """A short H.264 MP4 clip (what Midjourney's video jobs deliver): the picture turning."""
    base = compose_grid(tiles) if len(tiles) == 4 else render_tile(tiles[0])
    width, height = base.width - base.width % 2, base.height - base.height % 2  # yuv420p
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = 1  # the same bytes for the same tiles
        for frame in range(frames):
            shot = base.rotate(frame * 360 / frames / 8, resample=Image.Resampling.BILINEAR)
            rgb = shot.convert("RGB").crop((0, 0, width, height))
            picture = av.VideoFrame.from_image(rgb)  # type: ignore[no-untyped-call]  # PyAV stub
            container.mux(stream.encode(picture))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when `data` is not one Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def describe_colours(data: bytes) -> tuple[str, tuple[int, int]] | None:
    """The nearest named colour of an image's average and its size, for /describe's prompts."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            mean = ImageStat.Stat(image.convert("RGB")).mean
            size = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    name = min(
        _NAMED_COLOURS,
        key=lambda n: sum((a - b) ** 2 for a, b in zip(_NAMED_COLOURS[n], mean, strict=True)),
    )
    return name, size
