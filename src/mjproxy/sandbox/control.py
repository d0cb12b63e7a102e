"""The HTTP control API under `/_sandbox`: the Python API's knobs for tests that run out of process.

Errors are `{"error": "<code>", "message": "<sentence>"}` with status 400 or 404; nothing here
is Discord's wire format. See docs/sandbox.md for every route.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mjproxy.sandbox.accounts import Account, Mode, Plan
from mjproxy.sandbox.bot.checks import Scenario
from mjproxy.sandbox.transcript import Entry, EntryKind

if TYPE_CHECKING:
    from mjproxy.sandbox.server import Sandbox

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ACCOUNT_FIELDS = (
    "token",
    "username",
    "plan",
    "mode",
    "remix",
    "high_variation",
    "version",
    "fast_time_h",
    "guild_id",
    "channel_id",
)
_FLAGS = ("blocked", "captcha", "pending_mod")


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _guarded(handler: Handler) -> Handler:
    """Turn bad input into a clear JSON error instead of an HTTP 500."""

    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ControlError as error:
            body = {"error": error.code, "message": error.message}
            return web.json_response(body, status=error.status)
        except LookupError as error:
            return web.json_response({"error": "not_found", "message": str(error)}, status=404)
        except (ValueError, TypeError) as error:
            return web.json_response({"error": "bad_request", "message": str(error)}, status=400)

    return run


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = json.loads(raw) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(400, "invalid_json", "Expected a JSON object body.") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "invalid_json", "Expected a JSON object body.")
    return body


class ControlRoutes:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sb = sandbox

    async def info(self, request: web.Request) -> web.Response:
        sb = self._sb
        return web.json_response(
            {
                "urls": {
                    "api": sb.api_base_url,
                    "gateway": sb.gateway_url,
                    "resume_gateway": sb.resume_gateway_url,
                    "cdn": sb.cdn_base_url,
                    "upload": sb.upload_base_url,
                    "inpaint_submit": sb.inpaint_submit_url(),
                },
                "speed": sb.clock.speed,
                "switches": sb.switches.to_json(),
                "accounts": [a.summary() for a in sb.accounts],
            }
        )

    async def list_accounts(self, request: web.Request) -> web.Response:
        return web.json_response([a.summary() for a in self._sb.accounts])

    async def add_account(self, request: web.Request) -> web.Response:
        body = await _body(request)
        unknown = sorted(set(body) - set(_ACCOUNT_FIELDS))
        if unknown:
            raise ControlError(400, "unknown_field", f"Unknown account fields: {unknown}.")
        account = self._sb.add_account(**body)
        return web.json_response(account.summary(), status=201)

    async def patch_account(self, request: web.Request) -> web.Response:
        account = self._sb.account(request.match_info["key"])
        body = await _body(request)
        _apply_account_changes(account, body)
        return web.json_response(account.summary())

    async def arm(self, request: web.Request) -> web.Response:
        account = self._sb.account(request.match_info["key"])
        body = await _body(request)
        count = int(body.get("count", 1))
        self._sb.arm(account, Scenario(str(body.get("scenario"))), count)
        return web.json_response({"armed": list(account.armed_scenarios)})

    async def list_sessions(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "session_id": s.session_id,
                    "user_id": s.user_id,
                    "seq": s.seq,
                    "connected": s.connection is not None,
                    "acking": s.ack_heartbeats,
                }
                for s in self._sb.sessions.alive()
            ]
        )

    async def session_fault(self, request: web.Request) -> web.Response:
        session_id = request.match_info["session_id"]
        body = await _body(request)
        action = body.get("action")
        faults = self._sb.faults
        if action == "reconnect":
            faults.reconnect(session_id, close_after_s=body.get("close_after_s"))
        elif action == "invalid_session":
            faults.invalid_session(session_id, resumable=bool(body.get("resumable", False)))
        elif action == "close":
            faults.close(session_id, int(body.get("code", 4000)), str(body.get("reason", "")))
        elif action == "drop":
            faults.drop(session_id)
        elif action == "stop_heartbeat_acks":
            faults.stop_heartbeat_acks(session_id)
        elif action == "resume_heartbeat_acks":
            faults.resume_heartbeat_acks(session_id)
        elif action == "request_heartbeat":
            faults.request_heartbeat(session_id)
        else:
            raise ControlError(400, "unknown_action", f"Unknown session fault {action!r}.")
        return web.json_response({"ok": True})

    async def rest_fault(self, request: web.Request) -> web.Response:
        body = await _body(request)
        route = str(body.get("route", ""))
        if not route:
            raise ControlError(400, "missing_route", 'Name a route, e.g. "/interactions".')
        status = int(body.get("status", 429))
        count, method = int(body.get("count", 1)), body.get("method")
        if status == 429:
            self._sb.faults.rate_limit(
                route,
                count=count,
                method=method,
                retry_after_s=float(body.get("retry_after_s", 1.0)),
                scope=str(body.get("scope", "user")),
                is_global=bool(body.get("global", False)),
            )
        else:
            self._sb.faults.rest_error(
                route,
                status=status,
                code=int(body.get("code", 0)),
                message=body.get("message"),
                count=count,
                method=method,
            )
        return web.json_response({"ok": True})

    async def event_fault(self, request: web.Request) -> web.Response:
        body = await _body(request)
        event = str(body.get("event", ""))
        count = body.get("count")
        if not event:
            raise ControlError(400, "missing_event", 'Name an event, e.g. "MESSAGE_CREATE".')
        if body.get("hold"):
            self._sb.faults.hold_events(event, count=count)
        else:
            self._sb.faults.delay_events(event, float(body.get("delay_s", 0.5)), count=count)
        return web.json_response({"ok": True})

    async def release_events(self, request: web.Request) -> web.Response:
        body = await _body(request)
        released = self._sb.faults.release_events(body.get("event"))
        return web.json_response({"released": released})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self._sb.faults.clear()
        return web.json_response({"ok": True})

    async def split_frames(self, request: web.Request) -> web.Response:
        self._sb.faults.split_frames(int((await _body(request)).get("parts", 1)))
        return web.json_response({"ok": True})

    async def expire_cdn(self, request: web.Request) -> web.Response:
        self._sb.cdn.expire_links()
        return web.json_response({"ok": True})

    async def commands(self, request: web.Request) -> web.Response:
        return web.json_response(self._sb.commands.index())

    async def rotate(self, request: web.Request) -> web.Response:
        body = await _body(request)
        rotated = self._sb.commands.rotate(body.get("name"), body.get("application_id"))
        return web.json_response([c.to_json() for c in rotated])

    async def get_switches(self, request: web.Request) -> web.Response:
        return web.json_response(self._sb.switches.to_json())

    async def patch_switches(self, request: web.Request) -> web.Response:
        self._sb.switches.update(**await _body(request))
        return web.json_response(self._sb.switches.to_json())

    async def speed(self, request: web.Request) -> web.Response:
        self._sb.set_speed(float((await _body(request)).get("speed", 0)))
        return web.json_response({"speed": self._sb.clock.speed})

    async def jobs(self, request: web.Request) -> web.Response:
        return web.json_response([j.summary() for j in self._sb.jobs.all()])

    async def stop_job(self, request: web.Request) -> web.Response:
        self._sb.stop_job(request.match_info["uuid"])
        return web.json_response({"ok": True})

    async def transcript(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        kind = EntryKind(request.query["kind"]) if "kind" in request.query else None
        limit = int(request.query.get("limit", "1000"))
        entries = self._sb.transcript.entries(since=since, kind=kind)[:limit]
        return web.json_response([e.to_json() for e in entries])

    async def wait(self, request: web.Request) -> web.Response:
        """Long-poll the transcript for the first entry matching the query's fields."""
        query = request.query
        since = int(query.get("since", "0"))
        timeout = min(float(query.get("timeout", "10")), 60.0)
        wanted = {
            k: query[k] for k in ("kind", "event", "note", "user_id", "session_id") if k in query
        }

        def matches(entry: Entry) -> bool:
            return all(str(getattr(entry, key)) == value for key, value in wanted.items())

        try:
            entry = await self._sb.transcript.wait_for(matches, since=since, timeout_s=timeout)
        except TimeoutError as exc:
            raise ControlError(404, "timeout", f"No matching entry within {timeout} s.") from exc
        return web.json_response(entry.to_json())


def _apply_account_changes(account: Account, body: dict[str, Any]) -> None:
    settings = account.settings
    for key, value in body.items():
        if key == "plan":
            account.plan = Plan(value)
        elif key == "mode":
            settings.mode = Mode(value)
        elif key in ("remix", "high_variation", "stealth", "raw"):
            setattr(settings, key, bool(value))
        elif key == "version":
            settings.version = str(value)
        elif key == "fast_time_h":
            account.fast_time_s = float(value) * 3600
        elif key in _FLAGS:
            setattr(account.flags, key, bool(value))
        else:
            raise ControlError(400, "unknown_field", f"Cannot change {key!r} on an account.")


def add_control_routes(app: web.Application, sandbox: Sandbox) -> None:
    routes = ControlRoutes(sandbox)
    table: list[tuple[str, str, Handler]] = [
        ("GET", "", routes.info),
        ("GET", "/", routes.info),
        ("GET", "/accounts", routes.list_accounts),
        ("POST", "/accounts", routes.add_account),
        ("PATCH", "/accounts/{key}", routes.patch_account),
        ("POST", "/accounts/{key}/scenarios", routes.arm),
        ("GET", "/sessions", routes.list_sessions),
        ("POST", "/sessions/{session_id}/faults", routes.session_fault),
        ("POST", "/faults/rest", routes.rest_fault),
        ("POST", "/faults/events", routes.event_fault),
        ("POST", "/faults/events/release", routes.release_events),
        ("POST", "/faults/frames", routes.split_frames),
        ("DELETE", "/faults", routes.clear_faults),
        ("POST", "/cdn/expire", routes.expire_cdn),
        ("GET", "/commands", routes.commands),
        ("POST", "/commands/rotate", routes.rotate),
        ("GET", "/switches", routes.get_switches),
        ("PATCH", "/switches", routes.patch_switches),
        ("PUT", "/speed", routes.speed),
        ("GET", "/jobs", routes.jobs),
        ("POST", "/jobs/{uuid}/stop", routes.stop_job),
        ("GET", "/transcript", routes.transcript),
        ("GET", "/transcript/wait", routes.wait),
    ]
    for method, path, handler in table:
        app.router.add_route(method, f"/_sandbox{path}", _guarded(handler))
    app.router.add_route("*", "/_sandbox/{tail:.*}", _no_such_route)


async def _no_such_route(request: web.Request) -> web.Response:
    body = {"error": "not_found", "message": f"No control route {request.method} {request.path}."}
    return web.json_response(body, status=404)
