"""The attachment CDN: stores bytes under Discord-shaped paths and serves signed, expiring links.

Links look like Discord's since late 2023: `…/attachments/<channel>/<attachment>/<file>?ex=
<hex expiry>&is=<hex issued>&hm=<hmac>&`. A link past `ex`, or to a file stored before
`expire_links()`, answers 404 "This content is no longer available." as Discord does, so a
client that keeps CDN links instead of re-hosting results can be caught in a test.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

from mjproxy.sandbox.protocol import JsonObject
from mjproxy.sandbox.snowflakes import Ids

_GONE = "This content is no longer available."


@dataclass(frozen=True, slots=True)
class Blob:
    data: bytes
    content_type: str


class Cdn:
    def __init__(self, *, ids: Ids, link_ttl_s: float, max_bytes: int) -> None:
        self._ids = ids
        self._secret = ids.hex_id(64).encode()
        self._blobs: OrderedDict[str, Blob] = OrderedDict()
        self._stored_bytes = 0
        self.max_bytes = max_bytes
        self.link_ttl_s = link_ttl_s
        self.base_url = ""  # set once the server knows its port
        self._revoked: set[str] = set()

    def put(
        self,
        channel_id: str,
        filename: str,
        data: bytes,
        content_type: str,
        *,
        ephemeral: bool = False,
        size: tuple[int, int] | None = None,
    ) -> JsonObject:
        """Store `data` and return the Discord attachment object pointing at it."""
        attachment_id = self._ids.snowflake()
        root = "ephemeral-attachments" if ephemeral else "attachments"
        path = f"/{root}/{channel_id}/{attachment_id}/{filename}"
        self._store(path, Blob(data, content_type))
        url = self.signed_url(path)
        attachment: JsonObject = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        if size is not None:
            attachment["width"], attachment["height"] = size
        if ephemeral:
            attachment["ephemeral"] = True
        return attachment

    def _store(self, path: str, blob: Blob) -> None:
        """Keep `blob`; past `max_bytes` the oldest files go (their links then answer 404)."""
        self._blobs[path] = blob
        self._stored_bytes += len(blob.data)
        while self._stored_bytes > self.max_bytes and len(self._blobs) > 1:
            _, oldest = self._blobs.popitem(last=False)
            self._stored_bytes -= len(oldest.data)

    @staticmethod
    def path_of(attachment: JsonObject) -> str:
        """The CDN path of an attachment this CDN made."""
        return "/" + str(attachment["url"]).split("/", 3)[3].split("?", 1)[0]

    def signed_url(self, path: str) -> str:
        issued = int(time.time())
        expires = issued + int(self.link_ttl_s)
        query = f"ex={expires:x}&is={issued:x}"
        return f"{self.base_url}{path}?{query}&hm={self._mac(path, query)}&"

    def _mac(self, path: str, query: str) -> str:
        return hmac.new(self._secret, f"{path}?{query}".encode(), hashlib.sha256).hexdigest()

    def expire_links(self) -> None:
        """Make every link to a file stored so far stale (as if a day had passed)."""
        self._revoked = set(self._blobs)

    def blob(self, path: str) -> Blob | None:
        return self._blobs.get(path)

    def is_valid(self, path: str, ex: str | None, issued: str | None, mac: str | None) -> bool:
        """Unsigned links are served (lenient); signed ones must verify and be fresh."""
        if path in self._revoked:
            return False
        if ex is None and issued is None and mac is None:
            return True
        if ex is None or issued is None or mac is None:
            return False
        expected = self._mac(path, f"ex={ex}&is={issued}")
        try:
            expires = int(ex, 16)
        except ValueError:
            return False
        return hmac.compare_digest(expected, mac) and time.time() < expires

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        blob = self._blobs.get(path)
        query = request.query
        if blob is None or not self.is_valid(
            path, query.get("ex"), query.get("is"), query.get("hm")
        ):
            return web.Response(status=404, text=_GONE)
        return web.Response(
            body=blob.data,
            content_type=blob.content_type,
            headers={"Cache-Control": "public, max-age=31536000"},
        )
