"""Where the engine talks to: Discord itself, a reverse proxy, or the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DISCORD_CDN_HOSTS: tuple[str, ...] = ("cdn.discordapp.com", "media.discordapp.net")


@dataclass(frozen=True, slots=True)
class DiscordEndpoints:
    """Base URLs. Only `api` and `gateway` are needed; the rest rewrite what Discord returns.

    `resume_gateway` replaces the READY `resume_gateway_url` (for proxies that cannot
    reach Discord's regional hosts), `cdn` replaces Discord's CDN host in result links,
    `upload` replaces the host of attachment upload URLs, and `iframe` is the inpaint
    (Vary Region) host with `{application_id}` filled in.
    """

    api: str = "https://discord.com/api/v9"
    gateway: str = "wss://gateway.discord.gg"
    resume_gateway: str | None = None
    cdn: str | None = None
    upload: str | None = None
    iframe: str = "https://{application_id}.discordsays.com"

    def rewrite_cdn(self, url: str | None) -> str | None:
        if url is None or not self.cdn:
            return url
        parts = urlsplit(url)
        if parts.netloc not in DISCORD_CDN_HOSTS:
            return url
        return _with_base(self.cdn, parts.path, parts.query)

    def rewrite_upload(self, url: str) -> str:
        if not self.upload:
            return url
        parts = urlsplit(url)
        return _with_base(self.upload, parts.path, parts.query)

    def iframe_base(self, application_id: str) -> str:
        return self.iframe.format(application_id=application_id).rstrip("/")


def _with_base(base: str, path: str, query: str) -> str:
    target = urlsplit(base)
    prefix = target.path.rstrip("/")
    return urlunsplit((target.scheme, target.netloc, prefix + path, query, ""))
