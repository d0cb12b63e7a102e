"""The one place where exceptions become wire replies, chosen by exception type.

Every error reply has the submit shape `{"code", "description", "result": null,
"properties": {}}`. The HTTP status depends on the kind of route:

- submit routes (`/submit/...`, `/insight-face/...`) answer HTTP 200 for every outcome a
  client caused or can act on (codes 3, 4, 9, 23, 24): new-api and the web UIs read the
  `code`, and treat a non-2xx status as a transport failure.
- query routes (`/task/...`, `/account/...`) answer 400 (code 4), 404 (code 3) or 502/503
  (code 9), because their success body is a task or an array.
- a missing or wrong key is 401 everywhere; an unknown path is 404; a body over the size
  limit is 413.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mjproxy.api.messages import Messages
from mjproxy.domain.errors import (
    AccountNotFound,
    AuthenticationFailed,
    BannedPrompt,
    BannedWordNotFound,
    DeliveryNotFound,
    MediaNotFound,
    MjProxyError,
    RequestRejected,
    TaskNotFound,
    UpstreamError,
)

logger = logging.getLogger(__name__)

_SHOWN_INPUT_CHARS = 40
# FastAPI's words for a body json.loads could not even decode (bad UTF-8, too deep nesting).
_FASTAPI_UNPARSEABLE = "There was an error parsing the body"
_JSON_KINDS = {
    "list": "array",
    "str": "string",
    "int": "number",
    "float": "number",
    "bool": "boolean",
}


def error_body(
    code: int, description: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "code": code,
        "description": description,
        "result": None,
        "properties": properties or {},
    }


def is_submit_route(path: str) -> bool:
    return "/submit/" in path or "/insight-face/" in path


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestRejected, _rejected)  # type: ignore[arg-type]
    app.add_exception_handler(TaskNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(AccountNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(MediaNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(DeliveryNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(BannedWordNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(AuthenticationFailed, _unauthorized)  # type: ignore[arg-type]
    app.add_exception_handler(UpstreamError, _upstream)  # type: ignore[arg-type]
    app.add_exception_handler(MjProxyError, _internal)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]


def _messages(request: Request) -> Messages:
    messages: Messages = request.app.state.messages
    return messages


def _reply(
    request: Request, code: int, description: str, *, status: int, **props: Any
) -> JSONResponse:
    """A business outcome: HTTP 200 on submit routes, `status` elsewhere."""
    if is_submit_route(request.url.path):
        status = 200
    return JSONResponse(error_body(code, description, props or None), status_code=status)


async def _rejected(request: Request, exc: RequestRejected) -> JSONResponse:
    properties: dict[str, Any] = {}
    if isinstance(exc, BannedPrompt):
        properties = {"bannedWord": exc.word, "promptEn": exc.prompt_en}
    status = {3: 404, 4: 400}.get(exc.code, 503)
    description = _messages(request).error(exc)
    return _reply(request, exc.code, description, status=status, **properties)


async def _not_found(request: Request, exc: MjProxyError) -> JSONResponse:
    return JSONResponse(error_body(3, _messages(request).error(exc)), status_code=404)


async def _unauthorized(request: Request, exc: AuthenticationFailed) -> JSONResponse:
    return JSONResponse(error_body(4, str(exc)), status_code=401)


async def _upstream(request: Request, exc: UpstreamError) -> JSONResponse:
    logger.warning("%s %s: %s", request.method, request.url.path, exc)
    return _reply(request, 9, _messages(request).internal(str(exc)), status=502)


async def _internal(request: Request, exc: MjProxyError) -> JSONResponse:
    logger.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    return _reply(request, 9, _messages(request).internal(str(exc)), status=503)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    text = describe_validation(exc.errors())
    return _reply(request, 4, _messages(request).validation(text), status=400)


async def _http(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 404:
        text = f"No endpoint {request.method} {request.url.path}; the API is listed at /docs."
    elif exc.status_code == 405:
        text = f"{request.url.path} does not answer {request.method}; the API is listed at /docs."
    elif exc.detail == _FASTAPI_UNPARSEABLE:
        text = "The request body is not valid JSON: it is not UTF-8 text, or it nests too deeply."
    else:
        text = f"The request could not be read: {exc.detail}."
    if exc.status_code == 400 and is_submit_route(request.url.path):
        return _reply(request, 4, _messages(request).validation(text), status=400)
    body = error_body(4, _messages(request).validation(text))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One sentence per problem, naming the field as the client wrote it."""
    sentences = [_describe_one(error) for error in errors[:5]]
    if len(errors) > 5:
        sentences.append(f"and {len(errors) - 5} more problems")
    return "; ".join(sentences) + "."


def _describe_one(error: dict[str, Any]) -> str:
    location = [part for part in error.get("loc", ()) if part not in ("body",)]
    field = _field_path(location)
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "malformed")
        return f"The request body is not valid JSON ({reason})"
    if kind == "missing":
        return f"{field or 'The request body'} is required"
    if not field:
        # The body itself is not repeated: it may be anything, a secret included.
        kind = type(error.get("input")).__name__
        return (
            f"The request body must be a JSON object, but got a JSON {_JSON_KINDS.get(kind, kind)}"
        )
    return f"{field}: {error.get('msg', 'invalid value')}, but got {_shown(error.get('input'))}"


def _field_path(location: Sequence[Any]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("query", "path"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_INPUT_CHARS else text[: _SHOWN_INPUT_CHARS - 3] + "..."
