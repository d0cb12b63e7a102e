"""What every translation provider is, and the HTTP edge they share.

Providers raise only `TranslationFailed`, whose reason is our own sentence: a provider's
error body can echo part of the key (OpenAI's 401 does), so it never reaches a client or
a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from mjproxy.domain.errors import TranslationFailed


class Translator(Protocol):
    """Translates one piece of Chinese prose into English."""

    name: str

    async def translate(self, text: str) -> str:
        """The English for `text`. Raises `TranslationFailed`."""
        ...

    async def aclose(self) -> None: ...


def build_client(
    *,
    timeout_s: float,
    proxy: SecretStr | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    # trust_env=False: the environment is read only by config.py; a proxy is explicit.
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s),
        proxy=proxy.get_secret_value() if proxy is not None else None,
        transport=transport,
        trust_env=False,
        follow_redirects=False,
    )


_STATUS_REASONS: Mapping[int, str] = {
    401: "it refused the credentials (HTTP 401); check the key in the configuration.",
    403: "it refused the credentials (HTTP 403); check the key in the configuration.",
    429: "it is limiting our request rate (HTTP 429).",
}


async def post(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    *,
    timeout_s: float,
    status_reasons: Mapping[int, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """POST and turn every transport failure or error status into `TranslationFailed`."""
    try:
        response = await client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise TranslationFailed(provider, f"it did not answer within {timeout_s:g} s.") from exc
    except httpx.HTTPError as exc:
        raise TranslationFailed(
            provider, f"the request could not be completed ({type(exc).__name__})."
        ) from exc
    status = response.status_code
    if status >= 300:
        reasons = {**_STATUS_REASONS, **(status_reasons or {})}
        raise TranslationFailed(provider, reasons.get(status, f"it answered HTTP {status}."))
    return response


def json_object(response: httpx.Response, provider: str) -> dict[str, Any]:
    """The response body as a JSON object, or `TranslationFailed`."""
    try:
        body = response.json()
    except ValueError as exc:
        raise TranslationFailed(provider, "its answer was not JSON.") from exc
    if not isinstance(body, dict):
        raise TranslationFailed(provider, "its answer was not a JSON object.")
    return body


def malformed(provider: str, what: str) -> TranslationFailed:
    return TranslationFailed(provider, f"its answer had no {what}.")


def clean_translation(text: str) -> str:
    """Trim whitespace and one pair of wrapping quotes a chat model may add."""
    text = text.strip()
    for opening, closing in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) >= 2 and text.startswith(opening) and text.endswith(closing):
            return text[1:-1].strip()
    return text
