"""Checks of our own that the fuzzer runs on every response, next to schemathesis' built-in ones.

- Every error (any status from 400 up, and every business refusal a submit route answers
  with HTTP 200) is a JSON object with an integer `code` and a `description` sentence.
- No reply repeats a secret: the API and admin keys, an account's user token, or whatever
  key the request sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.server import SECRETS

# Codes of accepted work; any other `code` in a reply is a refusal that must explain itself.
_ACCEPTED_CODES = frozenset({1, 21, 22})
# A sentence: words (a field name may lead, as in "prompt is required.") ending in a stop.
_SENTENCE = re.compile(r"^\w[^\n]*\s[^\n]*[.!?。]$")
_KEY_HEADERS = ("mj-api-secret", "authorization")
_UNREADABLE_BODY = ("The request body is not valid JSON", "The request body contains a NUL")


class ErrorReplyMissing(AssertionError):
    """An error reply that is not a JSON object with a code and a description sentence."""


class KeyNotRequired(AssertionError):
    """A key-protected route that answered without the right key."""


class SecretEchoed(AssertionError):
    """A reply that repeats a secret."""


def _json(response: schemathesis.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _is_refusal_body(body: Any) -> bool:
    return isinstance(body, dict) and "code" in body and body.get("code") not in _ACCEPTED_CODES


def is_refusal(response: schemathesis.Response) -> bool:
    """A submit-style reply whose `code` says the work was not accepted."""
    return _is_refusal_body(_json(response))


def error_replies_explain_themselves(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    body = _json(response)
    is_error = response.status_code >= 400
    if not is_error and not (200 <= response.status_code < 300 and _is_refusal_body(body)):
        return None
    where = f"HTTP {response.status_code}: {response.content[:300]!r}"
    if not isinstance(body, dict):
        raise ErrorReplyMissing(f"The error reply is not a JSON object. {where}")
    if not isinstance(body.get("code"), int) or isinstance(body.get("code"), bool):
        raise ErrorReplyMissing(f"The error reply has no integer `code`. {where}")
    description = body.get("description")
    if not isinstance(description, str) or not _SENTENCE.match(description.strip()):
        raise ErrorReplyMissing(f"The error reply's `description` is not a sentence. {where}")
    return None


def no_secret_echoed(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    sent = _sent_keys(response)
    text = response.content.decode("utf-8", "replace") + json.dumps(dict(response.headers))
    for secret in (*SECRETS, *sent):
        if len(secret) >= 8 and secret in text:
            raise SecretEchoed(f"The reply repeats a secret ({secret[:4]}…).")
    return None


def _sent_keys(response: schemathesis.Response) -> list[str]:
    keys = []
    for name in _KEY_HEADERS:
        values = response.request.headers.get(name)
        if isinstance(values, str) and values:
            keys.append(values.removeprefix("Bearer ").strip())
    return keys


def refused_for_the_key(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Used where the request carries no key, a wrong one, or the API key on admin routes."""
    body = _json(response)
    if response.status_code == 401:
        return None
    # A body that is not JSON at all is refused before any route (and so its key check) runs.
    if _is_refusal_body(body) and str(body.get("description")).startswith(_UNREADABLE_BODY):
        return None
    raise KeyNotRequired(
        f"Expected HTTP 401 for a request without the right key, but got "
        f"HTTP {response.status_code}: {response.content[:200]!r}"
    )


CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_replies_explain_themselves,
    no_secret_echoed,
]
