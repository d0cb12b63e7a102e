"""API keys: accepted in every header clients use, compared in constant time, never echoed.

A key may come as `mj-api-secret: <key>` (new-api, most web UIs; an optional `Bearer ` is
stripped), `Authorization: Bearer <key>` or a bare `Authorization: <key>`. Any one of them
matching is enough, because proxies in between add headers of their own. With no
`api_secret` configured the API is open (the app logs a warning at start); admin routes
need the `admin_secret`, which also opens every other route.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from pydantic import SecretStr

from mjproxy.domain.errors import AuthenticationFailed

_KEY_HEADERS = ("mj-api-secret", "authorization")
_HOW = "send it as the mj-api-secret header or as Authorization: Bearer <key>"


class KeyCheck:
    """Decides whether a request carries the API key (or the admin key)."""

    def __init__(self, *, api_secret: SecretStr | None, admin_secret: SecretStr | None) -> None:
        self._api = _encoded(api_secret)
        self._admin = _encoded(admin_secret)

    @property
    def is_open(self) -> bool:
        return self._api is None

    def require_api_key(self, request: Request) -> None:
        """Raise `AuthenticationFailed` unless the API is open or a valid key was sent."""
        if self._api is None:
            return
        allowed = [key for key in (self._api, self._admin) if key is not None]
        self._require(request, allowed, what="API key")

    def require_admin_key(self, request: Request) -> None:
        """Raise `AuthenticationFailed` unless the admin key was sent."""
        if self._admin is None:
            raise AuthenticationFailed(
                "Admin routes are disabled: configure admin_secret (MJPROXY_ADMIN_SECRET)."
            )
        self._require(request, [self._admin], what="admin key")

    def _require(self, request: Request, allowed: list[bytes], *, what: str) -> None:
        sent = presented_keys(request)
        if not sent:
            raise AuthenticationFailed(f"Missing {what}: {_HOW}.")
        if not any(hmac.compare_digest(key, good) for key in sent for good in allowed):
            raise AuthenticationFailed(f"Wrong {what}: {_HOW}.")


def presented_keys(request: Request) -> list[bytes]:
    """Every key the request offers, `Bearer ` stripped, as bytes for constant-time compare."""
    keys = []
    for header in _KEY_HEADERS:
        value = request.headers.get(header, "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if value:
            keys.append(value.encode("utf-8", "surrogateescape"))
    return keys


def _encoded(secret: SecretStr | None) -> bytes | None:
    if secret is None or not secret.get_secret_value():
        return None
    return secret.get_secret_value().encode("utf-8")
