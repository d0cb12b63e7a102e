"""The `X-Mjproxy-Signature` header: HMAC-SHA256 over the timestamp and the exact body.

    X-Mjproxy-Signature: t=<unix seconds>,v1=<hex of HMAC-SHA256(secret, "<t>." + body)>

The timestamp is inside the signed text, so a receiver that refuses old timestamps (five
minutes is the usual window) also refuses replays. Each retry is signed afresh with its own
timestamp. docs/webhooks.md shows a receiver verifying it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Mjproxy-Signature"
DEFAULT_TOLERANCE_S = 300


def sign(secret: bytes, body: bytes, *, timestamp_s: int) -> str:
    """The header value for `body` sent at `timestamp_s`."""
    return f"t={timestamp_s},v1={_digest(secret, body, timestamp_s)}"


def verify(
    secret: bytes,
    body: bytes,
    header: str,
    *,
    now_s: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether `header` is a valid signature of `body` made within `tolerance_s` of `now_s`."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp_s = int(fields.get("t", [""])[0])
    except ValueError:
        return False
    if abs(now_s - timestamp_s) > tolerance_s:
        return False
    expected = _digest(secret, body, timestamp_s)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def _digest(secret: bytes, body: bytes, timestamp_s: int) -> str:
    return hmac.new(secret, str(timestamp_s).encode() + b"." + body, hashlib.sha256).hexdigest()
