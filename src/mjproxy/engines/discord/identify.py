"""The IDENTIFY payload a user account sends, with configurable client properties."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/112.0.0.0 Safari/537.36"
)
_CHROME = re.compile(r"Chrome/(?P<version>[\d.]+)")


@dataclass(frozen=True, slots=True)
class ClientProperties:
    """What the account claims to be; defaults follow novicezk/trueai (discord-protocol §1.5)."""

    os: str = "Mac OS X"
    browser: str = "Chrome"
    device: str = ""
    system_locale: str = "en-US"
    client_build_number: int = 222963
    release_channel: str = "stable"
    referrer: str = "https://www.midjourney.com"
    referring_domain: str = "www.midjourney.com"
    capabilities: int = 16381


def build_identify(token: str, user_agent: str, properties: ClientProperties) -> dict[str, Any]:
    """The op 2 `d` object for `token` (never log it: it contains the token)."""
    agent = user_agent or DEFAULT_USER_AGENT
    version = _CHROME.search(agent)
    return {
        "token": token,
        "capabilities": properties.capabilities,
        "properties": {
            "os": properties.os,
            "browser": properties.browser,
            "device": properties.device,
            "system_locale": properties.system_locale,
            "browser_user_agent": agent,
            "browser_version": version["version"] if version else "",
            "os_version": "",
            "referrer": properties.referrer,
            "referring_domain": properties.referring_domain,
            "referrer_current": "",
            "referring_domain_current": "",
            "release_channel": properties.release_channel,
            "client_build_number": properties.client_build_number,
            "client_event_source": None,
        },
        "presence": {"status": "online", "since": 0, "activities": [], "afk": False},
        "compress": False,
        "client_state": {
            "guild_versions": {},
            "highest_last_message_id": "0",
            "read_state_version": 0,
            "user_guild_settings_version": -1,
            "user_settings_version": -1,
            "private_channels_version": "0",
            "api_code_version": 0,
        },
    }
