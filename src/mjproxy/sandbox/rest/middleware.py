"""REST plumbing: transcript every call; for `/api/v9|10` auth, faults, rate limits, errors."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from mjproxy.sandbox.faults import RestRule
from mjproxy.sandbox.ratelimit import RateLimiter, rate_limited_headers
from mjproxy.sandbox.rest.bodies import peek_json
from mjproxy.sandbox.rest.deps import ACCOUNT_KEY, RestDeps
from mjproxy.sandbox.rest.errors import RestError, method_not_allowed, route_not_found, unauthorized
from mjproxy.sandbox.transcript import EntryKind, Transcript

logger = logging.getLogger(__name__)

_API_PREFIX = re.compile(r"^/api/v\d+")
_PUBLIC_ROUTES = frozenset({"/gateway", "/gateway/bot"})
_UNRECORDED_PREFIXES = ("/_sandbox",)


def transcript_middleware(transcript: Transcript) -> Middleware:
    """Record every plain HTTP request and its answer (the gateway records its own frames)."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(_UNRECORDED_PREFIXES) or _is_websocket(request):
            return await handler(request)
        body = await request.read() if request.content_type == "application/json" else b""
        response = await handler(request)
        account = request.get(ACCOUNT_KEY)
        transcript.record(
            EntryKind.REST,
            method=request.method,
            path=request.path_qs,
            status=response.status,
            payload=peek_json(body) if body else None,
            response=_response_json(response),
            user_id=getattr(account, "user_id", None),
        )
        return response

    return record


def api_middleware(deps: RestDeps) -> Middleware:
    """Discord's REST behaviour around every `/api/...` handler."""

    @web.middleware
    async def api(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        try:
            return await _serve(deps, request, handler)
        except RestError as error:
            return error.to_response()
        except Exception:
            # A simulator bug, not bad input: answer as Discord would, and keep the traceback.
            logger.exception("sandbox REST handler failed on %s %s", request.method, request.path)
            body = {"message": "500: Internal Server Error", "code": 0}
            return web.json_response(body, status=500)

    return api


async def _serve(deps: RestDeps, request: web.Request, handler: Handler) -> web.StreamResponse:
    exception = request.match_info.http_exception
    if exception is not None:
        raise method_not_allowed() if exception.status == 405 else route_not_found()
    template = _API_PREFIX.sub(
        "", request.match_info.route.resource.canonical if request.match_info.route.resource else ""
    )
    if template in _PUBLIC_ROUTES:
        return await handler(request)
    account = deps.world.account_by_token(request.headers.get("Authorization"))
    if account is None:
        raise unauthorized()
    request[ACCOUNT_KEY] = account
    rule = deps.faults.take(request.method, template)
    if rule is not None:
        logger.debug("injected %s on %s %s", rule.status, request.method, template)
        return _injected(rule, deps.limiter, template)
    major = request.match_info.get("channel_id") or request.match_info.get("guild_id") or ""
    bucket = deps.limiter.hit(account.user_id, template, major)
    if deps.config.enforce_rate_limits and bucket.exceeded:
        retry_after = bucket.reset_after_s
        logger.warning(
            "user %s rate limited on %s for %.3f s", account.user_id, template, retry_after
        )
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": False,
        }
        headers = rate_limited_headers(
            retry_after, scope="user", is_global=False, bucket=bucket.bucket
        )
        return web.json_response(body, status=429, headers=headers)
    try:
        response = await handler(request)
    except RestError as error:
        response = error.to_response()
    response.headers.update(bucket.headers())
    return response


def _injected(rule: RestRule, limiter: RateLimiter, template: str) -> web.Response:
    headers: dict[str, str] = {}
    if rule.status == 429:
        headers = rate_limited_headers(
            rule.retry_after_s or 1.0,
            scope=rule.scope,
            is_global=rule.is_global,
            bucket=limiter.bucket_hash(template),
        )
    return web.json_response(rule.body, status=rule.status, headers=headers)


def _is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _response_json(response: web.StreamResponse) -> object:
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return None
    body = response.body
    return peek_json(body) if isinstance(body, bytes) else None
