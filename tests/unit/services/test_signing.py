"""The webhook signature: what a receiver computes must match what we send."""

from __future__ import annotations

import hashlib
import hmac

from mjproxy.services.signing import sign, verify

SECRET = b"whsec-test"
BODY = b'{"id":"1","status":"SUCCESS"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, timestamp_s=1_700_000_000) == f"t=1700000000,v1={expected}"


def test_a_fresh_signature_verifies() -> None:
    header = sign(SECRET, BODY, timestamp_s=1_700_000_000)
    assert verify(SECRET, BODY, header, now_s=1_700_000_100)


def test_a_changed_body_fails() -> None:
    header = sign(SECRET, BODY, timestamp_s=1_700_000_000)
    assert not verify(SECRET, BODY + b" ", header, now_s=1_700_000_000)


def test_another_secret_fails() -> None:
    header = sign(b"other", BODY, timestamp_s=1_700_000_000)
    assert not verify(SECRET, BODY, header, now_s=1_700_000_000)


def test_an_old_timestamp_fails_as_a_replay() -> None:
    header = sign(SECRET, BODY, timestamp_s=1_700_000_000)
    assert not verify(SECRET, BODY, header, now_s=1_700_000_301)


def test_a_moved_timestamp_fails() -> None:
    header = sign(SECRET, BODY, timestamp_s=1_700_000_000).replace("t=1700000000", "t=1700000001")
    assert not verify(SECRET, BODY, header, now_s=1_700_000_000)


def test_garbage_headers_fail_cleanly() -> None:
    for header in ("", "t=abc,v1=00", "v1=00", "t=1700000000"):
        assert not verify(SECRET, BODY, header, now_s=1_700_000_000)
