"""The receiver code in docs/webhooks.md really verifies what mjproxy sends."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from mjproxy.services.signing import sign

DOC = Path(__file__).parents[2] / "docs" / "webhooks.md"


def _documented_verifier() -> Callable[[bytes, bytes, str], bool]:
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/webhooks.md lost its Python example"
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)
    verifier = namespace["is_genuine"]
    assert callable(verifier)
    return verifier  # type: ignore[return-value]


def test_the_documented_receiver_accepts_a_genuine_delivery() -> None:
    body = b'{"id":"1","status":"SUCCESS","progress":"100%"}'
    header = sign(b"s3cret", body, timestamp_s=int(time.time()))
    assert _documented_verifier()(b"s3cret", body, header)


def test_the_documented_receiver_rejects_forgeries_and_replays() -> None:
    verify = _documented_verifier()
    body = b'{"id":"1"}'
    now = int(time.time())
    assert not verify(b"s3cret", body + b" ", sign(b"s3cret", body, timestamp_s=now))
    assert not verify(b"s3cret", body, sign(b"other", body, timestamp_s=now))
    assert not verify(b"s3cret", body, sign(b"s3cret", body, timestamp_s=now - 3600))
    assert not verify(b"s3cret", body, "garbage")
