"""Re-hosted images, served without an API key: the random token in the path is the secret.

`/mj/image/<task id>/<token>/<name>`. Files never change once written, so responses are
cacheable forever and carry an ETag. A missing or expired file is a 404 JSON reply.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from mjproxy.api.deps import MediaStorageDep
from mjproxy.domain.errors import MediaNotFound

router = APIRouter(tags=["media"])

_TASK_ID = re.compile(r"^\d{1,19}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NAME = re.compile(r"^[a-z0-9-]{1,40}\.(png|jpg|webp|gif)$")
_CACHE_FOREVER = "public, max-age=31536000, immutable"


@router.head("/image/{task_id}/{token}/{name}", include_in_schema=False)
@router.get(
    "/image/{task_id}/{token}/{name}",
    summary="A re-hosted result image (no key needed)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/webp": {}}}},
)
async def image(
    task_id: Annotated[str, Path(examples=["1320098173412546"])],
    token: Annotated[str, Path(examples=["q3Vn8kR2xW0bYtLmZc4aHg"])],
    name: Annotated[str, Path(examples=["image.png", "grid-3.png", "thumb.webp"])],
    request: Request,
    storage: MediaStorageDep,
) -> Response:
    if not (_TASK_ID.match(task_id) and _TOKEN.match(token) and _NAME.match(name)):
        raise MediaNotFound(f"{task_id}/{token}/{name}")
    key = f"{task_id}/{token}/{name}"
    redirect = await storage.redirect_url(key)
    if redirect is not None:
        if not await storage.exists(key):
            raise MediaNotFound(key)
        return RedirectResponse(redirect, status_code=302, headers={"Cache-Control": "no-store"})
    stored = await storage.get(key)
    if stored is None:
        raise MediaNotFound(key)
    headers = {
        "ETag": stored.etag,
        "Cache-Control": _CACHE_FOREVER,
        "Access-Control-Allow-Origin": "*",
    }
    if stored.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else stored.data
    headers["Content-Length"] = str(len(stored.data))
    return Response(content=body, media_type=stored.content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
