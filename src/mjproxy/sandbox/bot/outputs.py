"""A job's pictures on the CDN: progress previews and the result file, named as Midjourney does.

Results are `<username>_<prompt_slug>_<job uuid>.png` (reference §3.4); previews are
`<uuid>_grid_0.webp` attachments or `<uuid>_0_step_<n>.jpeg` ephemeral attachments, per switch.
"""

from __future__ import annotations

import asyncio

from mjproxy.sandbox import images
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job, Layout, ResultFile
from mjproxy.sandbox.bot.prompts import slug
from mjproxy.sandbox.config import PreviewStyle
from mjproxy.sandbox.entities import Channel
from mjproxy.sandbox.protocol import JsonObject

VIDEO_LONG_SIDE_PX = 480  # SD video is 480p (commercial.md §1.4)
PREVIEW_SCALE = 4  # previews are a quarter of the final size; rendering them small is cheap


class Outputs:
    def __init__(self, ctx: BotContext) -> None:
        self._ctx = ctx

    def fresh_tiles(
        self, uuid: str, prompt: str, aspect: tuple[int, int], *, video: bool = False
    ) -> list[images.TileSpec]:
        """Four new tiles for a grid job."""
        long_side = self._ctx.config.tile_px
        if video:
            long_side = max(16, min(long_side, VIDEO_LONG_SIDE_PX))
        width, height = images.tile_size(aspect, long_side)
        variant = "video" if video else "image"
        return [images.TileSpec(uuid, i, prompt, width, height, variant) for i in range(1, 5)]

    async def preview(self, job: Job, percent: int, step: int) -> list[JsonObject]:
        style = self._ctx.switches.progress_previews
        if style == PreviewStyle.NONE:
            return []
        ephemeral = style == PreviewStyle.EPHEMERAL_STEPS
        fmt = "JPEG" if ephemeral else "WEBP"
        small = [images.scaled_tile(t, PREVIEW_SCALE) for t in job.tiles]
        data, size = await asyncio.to_thread(images.preview, small, percent, fmt)
        name = f"{job.uuid}_0_step_{step}.jpeg" if ephemeral else f"{job.uuid}_grid_0.webp"
        kind = "image/jpeg" if ephemeral else "image/webp"
        attachment = self._ctx.cdn.put(
            job.channel.id, name, data, kind, ephemeral=ephemeral, size=size
        )
        return [attachment]

    async def result(self, job: Job) -> JsonObject:
        """Render the finished picture and put it on the CDN; the job remembers where."""
        data, kind, size, extension = await asyncio.to_thread(_render, job)
        name = f"{job.account.user.username}_{slug(job.prompt)}_{job.uuid}.{extension}"
        attachment = self._ctx.cdn.put(job.channel.id, name, data, kind, size=size)
        job.result_file = ResultFile(name, kind, size, self._ctx.cdn.path_of(attachment))
        return attachment

    async def repost(self, job: Job, channel: Channel) -> JsonObject:
        """The job's result as a new attachment in `channel` (/show), re-rendered if evicted."""
        assert job.result_file is not None
        result = job.result_file
        blob = self._ctx.cdn.blob(result.cdn_path)
        data = blob.data if blob is not None else (await asyncio.to_thread(_render, job))[0]
        return self._ctx.cdn.put(channel.id, result.filename, data, result.content_type,
                                 size=result.size)  # fmt: skip


def _render(job: Job) -> tuple[bytes, str, tuple[int, int], str]:
    """(bytes, content type, size, extension) of a job's result; runs in a worker thread."""
    layout = job.spec.layout
    tiles = job.tiles
    if layout == Layout.GRID:
        return images.grid_png(tiles), "image/png", _grid_size(tiles), "png"
    if layout == Layout.SOLO:
        tile = tiles[0]
        return images.tile_png(tile), "image/png", (tile.width, tile.height), "png"
    if layout == Layout.UPSCALED:
        tile = tiles[0]
        size = (tile.width * 2, tile.height * 2)
        return images.tile_png(tile, scale=2), "image/png", size, "png"
    if layout == Layout.VIDEO_GRID:
        return images.clip_mp4(tiles), "video/mp4", _even(_grid_size(tiles)), "mp4"
    tile = tiles[0]
    return images.clip_mp4([tile]), "video/mp4", _even((tile.width, tile.height)), "mp4"


def _grid_size(tiles: list[images.TileSpec]) -> tuple[int, int]:
    return tiles[0].width * 2, tiles[0].height * 2


def _even(size: tuple[int, int]) -> tuple[int, int]:
    """H.264 in yuv420p wants even sides: a clip drops an odd last row or column."""
    return size[0] - size[0] % 2, size[1] - size[1] % 2
