"""The OpenAPI document, corrected to say what the API really answers.

FastAPI documents an HTTP 422 `HTTPValidationError` on every route with input, but the
error handlers (api/errors.py) answer bad input with a `{code, description}` body: HTTP 400
on query and admin routes, HTTP 200 on submit routes. This module replaces the 422 with the
real error replies (400, 401, 404 and a `default` for the rest: 413, 502, 503), and
documents the live streams as `text/event-stream`, one schema per event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from mjproxy.api.errors import is_submit_route

_ERROR_REF = {"$ref": "#/components/schemas/ErrorReply"}
_ERROR_REPLY = {
    "title": "ErrorReply",
    "description": "Every error: `code` (3 not found, 4 invalid, 9 internal …) and a "
    "sentence saying what is wrong. `result` is null.",
    "type": "object",
    "required": ["code", "description", "result", "properties"],
    "properties": {
        "code": {"type": "integer", "examples": [4]},
        "description": {"type": "string", "examples": ["prompt is required."]},
        "result": {"type": "null"},
        "properties": {"type": "object"},
    },
}
_SSE_EVENT = {
    "title": "TaskEvent",
    "description": "One Server-Sent Event: `event: task`, `id: <task id>:<version>`, and "
    "`data:` the task JSON exactly as fetch returns it.",
    "type": "object",
    "required": ["event", "data", "id"],
    "properties": {
        "event": {"const": "task"},
        "id": {"type": "string", "pattern": "^[^:]+:[0-9]+$"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/TaskOut"},
        },
    },
}
_STREAM_SUFFIX = "/stream"
_OPEN_PREFIXES = ("/mj/image/", "/health")


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and so `/openapi.json` and `/docs`) serve the corrected document."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_replies(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_replies(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with the real error replies and event streams (changed in place)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["ErrorReply"] = _ERROR_REPLY
    for path, item in spec["paths"].items():
        for operation in item.values():
            _document_errors(path, operation)
            if path.endswith(_STREAM_SUFFIX):
                operation["responses"]["200"]["content"] = {
                    "text/event-stream": {"schema": _SSE_EVENT}
                }
    return spec


def _document_errors(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    responses.pop("422", None)
    has_input = bool(operation.get("parameters") or operation.get("requestBody"))
    errors: dict[str, str] = {}
    if has_input and not is_submit_route(path):
        errors["400"] = "Invalid input (code 4); the description names the field."
    if not path.startswith(_OPEN_PREFIXES):
        key = "the admin key" if path.startswith("/mj/admin/") else "the API key"
        errors["401"] = f"Missing or wrong key (code 4): send {key}."
    if "{" in path:
        errors["404"] = "Nothing has that id (code 3)."
    errors["default"] = "Any other error, e.g. 413 body too large, 502/503 (code 9)."
    for status, description in errors.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
