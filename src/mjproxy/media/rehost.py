"""Copy result images from the CDN into media storage once, and hand back our own URLs.

Discord's CDN links expire within a day (reference/commercial.md §3), and aggregators fetch
`imageUrl` with a plain GET, so results must live on our side. Each call stores its files
under a fresh random token: `<task id>/<token>/<name>`. The token makes the URL unguessable
although task ids are sequential (docs/media.md explains the choice).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

import httpx

from mjproxy.domain.errors import MediaError
from mjproxy.domain.task import TaskAction
from mjproxy.media.grid import open_image, split_image
from mjproxy.media.storage import MediaStorage
from mjproxy.media.thumbnails import make_thumbnail, thumbnail_of

logger = logging.getLogger(__name__)

# Actions whose result is a 2×2 grid of four images; the others give one image.
GRID_ACTIONS = frozenset(
    {
        TaskAction.IMAGINE,
        TaskAction.VARIATION,
        TaskAction.LOW_VARIATION,
        TaskAction.HIGH_VARIATION,
        TaskAction.REROLL,
        TaskAction.ZOOM,
        TaskAction.CUSTOM_ZOOM,
        TaskAction.PAN,
        TaskAction.INPAINT,
        TaskAction.BLEND,
    }
)
_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
IMAGE_ROUTE = "/mj/image"
_PROBE_KEY = "probe"


@dataclass(frozen=True, slots=True)
class RehostOptions:
    """Limits for downloads from the CDN and the size of thumbnails."""

    public_base_url: str
    download_timeout_s: float = 60.0
    max_download_bytes: int = 64 * 1024 * 1024
    download_attempts: int = 3
    thumbnail_max_side: int = 384


@dataclass(frozen=True, slots=True)
class RehostedResult:
    """Our URLs for one task result: the image, its grid crops (if a grid) and a thumbnail."""

    image_url: str
    image_urls: list[str] = field(default_factory=list)
    thumbnail_url: str = ""


@dataclass(frozen=True, slots=True)
class _Prepared:
    original: bytes
    extension: str
    crops: list[bytes]
    thumbnail: bytes


class ResultRehoster:
    """Downloads a CDN image, stores it (plus crops and a thumbnail) and returns our URLs."""

    def __init__(
        self, *, storage: MediaStorage, client: httpx.AsyncClient, options: RehostOptions
    ) -> None:
        self._storage = storage
        self._client = client
        self._options = options

    async def rehost_result(
        self, task_id: str, source_url: str, *, is_grid: bool
    ) -> RehostedResult:
        """Store the final image of `task_id`; raises `MediaError` when that fails."""
        data = await self.download(source_url)
        prepared = await asyncio.to_thread(self._prepare, data, is_grid)
        prefix = f"{task_id}/{secrets.token_urlsafe(16)}"
        image_key = f"{prefix}/image.{prepared.extension}"
        await self._storage.put(
            image_key, prepared.original, content_type=_CONTENT_TYPES[prepared.extension]
        )
        crop_keys = [f"{prefix}/grid-{index}.png" for index in range(1, len(prepared.crops) + 1)]
        for key, crop in zip(crop_keys, prepared.crops, strict=True):
            await self._storage.put(key, crop, content_type="image/png")
        thumbnail_key = f"{prefix}/thumb.webp"
        await self._storage.put(thumbnail_key, prepared.thumbnail, content_type="image/webp")
        logger.info(
            "task %s result re-hosted: %d bytes, %d crops", task_id, len(data), len(crop_keys)
        )
        return RehostedResult(
            image_url=self.url_of(image_key),
            image_urls=[self.url_of(key) for key in crop_keys],
            thumbnail_url=self.url_of(thumbnail_key),
        )

    async def rehost_preview(self, task_id: str, source_url: str, *, progress: int) -> str:
        """Store a progress preview of `task_id` as WebP and return its URL."""
        data = await self.download(source_url)
        preview = await asyncio.to_thread(make_thumbnail, data, max_side=1024, quality=75)
        key = f"{task_id}/{secrets.token_urlsafe(16)}/progress-{max(0, min(progress, 100))}.webp"
        await self._storage.put(key, preview, content_type="image/webp")
        return self.url_of(key)

    def url_of(self, key: str) -> str:
        """The URL clients use for `key`: the bucket's public URL, else the app's route."""
        return self._storage.public_url(key) or (
            f"{self._options.public_base_url.rstrip('/')}{IMAGE_ROUTE}/{key}"
        )

    def owns(self, url: str) -> bool:
        """Whether `url` points at media this rehoster stored (app route or public bucket)."""
        prefixes = [f"{self._options.public_base_url.rstrip('/')}{IMAGE_ROUTE}/"]
        public = self._storage.public_url(_PROBE_KEY)
        if public is not None:
            prefixes.append(public.removesuffix(_PROBE_KEY))
        return url.startswith(tuple(prefixes))

    async def download(self, url: str) -> bytes:
        """GET `url` with retries on transport errors and 5xx; raise `MediaError` when it fails."""
        attempts = max(1, self._options.download_attempts)
        for attempt in range(1, attempts + 1):
            try:
                return await self._download_once(url)
            except _Transient as exc:
                if attempt == attempts:
                    raise MediaError(f"Could not download the result image: {exc}") from exc
                logger.warning("download attempt %d failed (%s); retrying", attempt, exc)
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _download_once(self, url: str) -> bytes:
        limit = self._options.max_download_bytes
        try:
            async with asyncio.timeout(self._options.download_timeout_s):
                async with self._client.stream("GET", url, follow_redirects=True) as response:
                    if response.status_code >= 500 or response.status_code == 429:
                        raise _Transient(f"the CDN answered HTTP {response.status_code}")
                    if response.status_code != 200:
                        raise MediaError(
                            f"Could not download the result image: the CDN answered "
                            f"HTTP {response.status_code}."
                        )
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise MediaError(f"The result image is larger than {limit} bytes.")
                        chunks.append(chunk)
                    return b"".join(chunks)
        except TimeoutError as exc:
            raise _Transient(
                f"no complete answer within {self._options.download_timeout_s} s"
            ) from exc
        except httpx.TransportError as exc:
            raise _Transient(f"{type(exc).__name__}") from exc

    def _prepare(self, data: bytes, is_grid: bool) -> _Prepared:
        image = open_image(data)
        extension = _EXTENSIONS.get(image.format or "")
        if extension is None:
            raise MediaError(f"Expected a PNG, JPEG, WebP or GIF result, but got {image.format}.")
        crops = split_image(image) if is_grid else []
        thumbnail = thumbnail_of(image, max_side=self._options.thumbnail_max_side)
        return _Prepared(original=data, extension=extension, crops=crops, thumbnail=thumbnail)


class _Transient(Exception):
    """A download failure worth another try."""
