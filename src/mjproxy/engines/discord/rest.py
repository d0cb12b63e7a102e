"""Discord REST for one user account: interactions, uploads, messages, reactions, indexes.

Every request goes through its route's rate-limit bucket, honours 429 `retry_after`
(a global 429 pauses the whole account) and maps failures to domain errors here, at
the edge: nothing from httpx leaves this module.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

import httpx

from mjproxy.domain.account import Secret
from mjproxy.domain.errors import AccountUnusable, RateLimited, StaleCommand, UpstreamError
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.payloads import Message
from mjproxy.engines.discord.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

_STALE_MARKERS = ("INTERACTION_APPLICATION_COMMAND_INVALID_VERSION", "APPLICATION_COMMAND")


@dataclass(frozen=True, slots=True)
class Route:
    """A REST route: the key of its rate-limit bucket is the template plus the major id."""

    method: str
    template: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.template.format(**{k: quote(v, safe="") for k, v in self.params.items()})

    @property
    def bucket_key(self) -> str:
        major = self.params.get("channel_id") or self.params.get("guild_id") or ""
        return f"{self.method} {self.template} {major}"


@dataclass(frozen=True, slots=True)
class UploadSlot:
    id: str
    upload_url: str
    upload_filename: str

    @property
    def filename(self) -> str:
        return self.upload_filename.rsplit("/", 1)[-1]


# A peer that answers 429 with no wait at all must not keep a request looping forever.
_MAX_RATE_LIMITED_TRIES = 50


class DiscordRest:
    def __init__(
        self,
        *,
        account_id: str,
        token: Secret,
        user_agent: str,
        endpoints: DiscordEndpoints,
        timeout_s: float = 30.0,
        max_rate_limit_wait_s: float = 60.0,
        max_attempts: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._account_id = account_id
        # Building a context loads every CA certificate (~0.7 MiB and ~30 ms each), so an
        # engine gives all its accounts one; alone, a client builds its own.
        self.ssl_context = ssl_context or httpx.create_ssl_context()
        self._token = token
        self._endpoints = endpoints
        self._max_attempts = max_attempts
        self.limiter = RateLimiter(max_wait_s=max_rate_limit_wait_s)
        self._client = httpx.AsyncClient(
            base_url=endpoints.api.rstrip("/"),
            headers={"User-Agent": user_agent or "Mozilla/5.0", "Accept-Language": "en-US"},
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            trust_env=False,
            verify=self.ssl_context,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def interact(self, payload: dict[str, Any]) -> None:
        """POST /interactions; Discord answers 204 when it accepted the interaction."""
        await self._request(Route("POST", "/interactions"), json=payload)

    async def create_attachments(
        self, channel_id: str, files: list[tuple[str, int]]
    ) -> list[UploadSlot]:
        body = {
            "files": [
                {"filename": name, "file_size": size, "id": str(i)}
                for i, (name, size) in enumerate(files)
            ]
        }
        route = Route("POST", "/channels/{channel_id}/attachments", {"channel_id": channel_id})
        reply = await self._request(route, json=body)
        try:
            return [
                UploadSlot(str(a["id"]), str(a["upload_url"]), str(a["upload_filename"]))
                for a in reply["attachments"]
            ]
        except (KeyError, TypeError) as exc:
            raise UpstreamError(
                "Discord answered the upload request without upload slots."
            ) from exc

    async def upload(self, slot: UploadSlot, data: bytes) -> None:
        """PUT the bytes to the storage host; it gets no Discord token (it is not Discord)."""
        url = self._endpoints.rewrite_upload(slot.upload_url)
        try:
            response = await self._client.put(url, content=data)
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"Could not upload an image to Discord's storage: {exc!r}."
            ) from exc
        if response.status_code >= 300:
            raise UpstreamError(
                f"Discord's storage refused the image upload (HTTP {response.status_code}).",
                status=response.status_code,
            )

    async def send_message(
        self, channel_id: str, *, content: str, nonce: str, attachments: list[dict[str, str]]
    ) -> Message:
        body = {
            "content": content,
            "nonce": nonce,
            "channel_id": channel_id,
            "type": 0,
            "sticker_ids": [],
            "attachments": attachments,
        }
        route = Route("POST", "/channels/{channel_id}/messages", {"channel_id": channel_id})
        return cast(Message, await self._request(route, json=body))

    async def messages(
        self, channel_id: str, *, limit: int = 50, before: str | None = None
    ) -> list[Message]:
        """The channel's messages, newest first (those older than message `before`)."""
        route = Route("GET", "/channels/{channel_id}/messages", {"channel_id": channel_id})
        params = {"limit": str(limit)} | ({"before": before} if before else {})
        return cast(list[Message], await self._request(route, params=params))

    async def add_reaction(self, channel_id: str, message_id: str, emoji: str) -> None:
        route = Route(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            {"channel_id": channel_id, "message_id": message_id, "emoji": emoji},
        )
        await self._request(route, params={"location": "Message", "type": "0"})

    async def open_dm(self, recipient_id: str) -> str:
        reply = await self._request(
            Route("POST", "/users/@me/channels"), json={"recipients": [recipient_id]}
        )
        return str(reply["id"])

    async def command_index(self, *, guild_id: str | None, channel_id: str) -> dict[str, Any]:
        if guild_id:
            route = Route(
                "GET", "/guilds/{guild_id}/application-command-index", {"guild_id": guild_id}
            )
        else:
            route = Route(
                "GET",
                "/channels/{channel_id}/application-command-index",
                {"channel_id": channel_id},
            )
        return cast(dict[str, Any], await self._request(route))

    async def post_external(self, url: str, body: dict[str, Any]) -> None:
        """POST JSON to a Discord activity host (the inpaint iframe's submit endpoint)."""
        try:
            response = await self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"Could not reach {url}: {exc!r}.") from exc
        if response.status_code >= 300:
            raise UpstreamError(
                f"{url} refused the request (HTTP {response.status_code}): {response.text[:200]}",
                status=response.status_code,
            )

    async def _request(self, route: Route, **kwargs: Any) -> Any:
        # 429s are waited out while their retry_afters add up to no more than the configured
        # maximum (a 429 is an instruction to wait, not a failure); 5xx get `max_attempts`.
        bucket = self.limiter.bucket(route.bucket_key)
        limited_s = 0.0
        failures = 0
        for _ in range(_MAX_RATE_LIMITED_TRIES):
            async with bucket:
                response = await self._send(route, kwargs)
                bucket.update(response.headers)
            if response.status_code == 429:
                limited_s += self._rate_limited(route, response, bucket_pause=bucket.pause)
                if limited_s > self.limiter.max_wait_s:
                    raise RateLimited(
                        f"Discord kept rate-limiting {route.method} {route.template} for "
                        f"{limited_s:.1f} s, longer than the {self.limiter.max_wait_s:.0f} s "
                        "this server waits; try again later.",
                        retry_after_s=self.limiter.global_delay_s(),
                    )
                continue
            if response.status_code >= 500 and failures + 1 < self._max_attempts:
                failures += 1
                await self.limiter.wait(
                    min(2.0**failures * 0.1, 5.0), f"{route.bucket_key} (HTTP 5xx)"
                )
                continue
            return self._result(route, response)
        raise RateLimited(
            f"Discord kept rate-limiting {route.method} {route.template} after "
            f"{_MAX_RATE_LIMITED_TRIES} attempts; try again later.",
            retry_after_s=self.limiter.global_delay_s(),
        )

    async def _send(self, route: Route, kwargs: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": self._token.reveal()}
        try:
            return await self._client.request(route.method, route.path, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise UpstreamError(
                f"Discord did not answer {route.method} {route.template} in time."
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"Could not reach Discord for {route.method} {route.template}: {exc!r}."
            ) from exc

    def _rate_limited(self, route: Route, response: httpx.Response, *, bucket_pause: Any) -> float:
        """Pause the bucket (or the account) as the 429 says; return the pause in seconds."""
        body = _json(response)
        retry_after = float(body.get("retry_after") or response.headers.get("retry-after") or 1.0)
        is_global = bool(body.get("global")) or response.headers.get("x-ratelimit-global") == "true"
        logger.warning(
            "%s 429 on %s %s: retry after %.2f s%s",
            self._account_id,
            route.method,
            route.template,
            retry_after,
            " (global)" if is_global else "",
        )
        if is_global:
            self.limiter.pause_global(retry_after)
        else:
            bucket_pause(retry_after)
        return retry_after

    def _result(self, route: Route, response: httpx.Response) -> Any:
        status = response.status_code
        if status < 300:
            return _success_body(route, response)
        body = _json(response)
        message = str(body.get("message") or response.reason_phrase)
        code = body.get("code")
        what = f"{route.method} {route.template}"
        if status == 401:
            raise AccountUnusable(
                f"Discord rejected the account's token on {what} (401 {message})."
            )
        if status == 403:
            raise AccountUnusable(
                f"Discord forbids this account {what} ({message}, code {code}); check that it can "
                "use the channel and the Midjourney bot."
            )
        if status == 400 and code == 50035 and any(m in response.text for m in _STALE_MARKERS):
            raise StaleCommand(f"Discord says the command is outdated on {what}: {message}.")
        raise UpstreamError(
            f"Discord refused {what}: {message} (HTTP {status}, code {code}).",
            status=status,
            code=code,
        )


def _success_body(route: Route, response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamError(
            f"Discord answered {route.method} {route.template} with non-JSON."
        ) from exc


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"items": data}
