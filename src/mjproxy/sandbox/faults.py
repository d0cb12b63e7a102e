"""Fault injection: gateway trouble, REST 429 bursts and errors, delayed or held (reordered) events.

The plans (`EventFaults`, `RestFaults`) are plain data consulted by the dispatcher and the REST
middleware; `FaultInjector` is the one front door tests and the control API use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mjproxy.sandbox.protocol import EventData, JsonObject

if TYPE_CHECKING:
    from mjproxy.sandbox.dispatch import Dispatcher
    from mjproxy.sandbox.gateway import Gateway
    from mjproxy.sandbox.sessions import GatewaySession


@dataclass(slots=True)
class EventRule:
    """Delay (real seconds) or hold the next `remaining` `event` dispatches (None: always)."""

    event: str
    delay_s: float = 0.0
    hold: bool = False
    remaining: int | None = None


@dataclass(frozen=True, slots=True)
class HeldEvent:
    targets: tuple[GatewaySession, ...]
    event: str
    data: EventData


@dataclass(slots=True)
class EventFaults:
    rules: list[EventRule] = field(default_factory=list)
    held: list[HeldEvent] = field(default_factory=list)

    def take(self, event: str) -> EventRule | None:
        """The rule that applies to this dispatch, consuming one of its uses."""
        for rule in self.rules:
            if rule.event != event:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
            return rule
        return None

    def pop_held(self, event: str | None) -> list[HeldEvent]:
        released = [h for h in self.held if event is None or h.event == event]
        self.held = [h for h in self.held if h not in released]
        return released


@dataclass(slots=True)
class RestRule:
    """Answer the next `remaining` requests whose route template contains `route` with `status`."""

    route: str
    remaining: int
    status: int
    body: JsonObject
    retry_after_s: float | None = None
    scope: str = "user"
    is_global: bool = False
    method: str | None = None


@dataclass(slots=True)
class RestFaults:
    rules: list[RestRule] = field(default_factory=list)

    def take(self, method: str, route_template: str) -> RestRule | None:
        for rule in self.rules:
            if rule.route not in route_template:
                continue
            if rule.method is not None and rule.method.upper() != method.upper():
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                self.rules.remove(rule)
            return rule
        return None


def rate_limit_body(retry_after_s: float, *, scope: str, is_global: bool) -> JsonObject:
    """Discord's 429 body (reference §2.7); shared-resource limits have their own message."""
    message = (
        "The resource is being rate limited."
        if scope == "shared"
        else "You are being rate limited."
    )
    return {"message": message, "retry_after": round(retry_after_s, 3), "global": is_global}


class FaultInjector:
    """One place to break things on purpose. Session faults take a gateway `session_id`."""

    def __init__(
        self, *, gateway: Gateway, dispatcher: Dispatcher, events: EventFaults, rest: RestFaults
    ) -> None:
        self._gateway = gateway
        self._dispatcher = dispatcher
        self._events = events
        self._rest = rest

    # -- gateway -----------------------------------------------------------------------------
    def reconnect(self, session_id: str, *, close_after_s: float | None = None) -> None:
        """Send op 7 RECONNECT, then close the socket (4000) if the client has not by then."""
        self._gateway.send_reconnect(session_id, close_after_s=close_after_s)

    def invalid_session(self, session_id: str, *, resumable: bool) -> None:
        """Send op 9 with `d = resumable`; a non-resumable one ends the session."""
        self._gateway.send_invalid_session(session_id, resumable=resumable)

    def close(self, session_id: str, code: int, reason: str = "") -> None:
        """Close the session's socket with `code` (e.g. 4000, 4004, 4009, 1001)."""
        self._gateway.close_session(session_id, code, reason)

    def drop(self, session_id: str) -> None:
        """Cut the TCP connection without a close frame; the session stays resumable."""
        self._gateway.drop_session(session_id)

    def stop_heartbeat_acks(self, session_id: str) -> None:
        self._gateway.set_heartbeat_acks(session_id, enabled=False)

    def resume_heartbeat_acks(self, session_id: str) -> None:
        self._gateway.set_heartbeat_acks(session_id, enabled=True)

    def request_heartbeat(self, session_id: str) -> None:
        """Send a server op 1, which the client must answer at once."""
        self._gateway.request_heartbeat(session_id)

    def split_frames(self, parts: int) -> None:
        """Spread each zlib-stream payload over `parts` websocket frames (1 = off)."""
        self._gateway.split_parts = max(1, parts)

    # -- REST --------------------------------------------------------------------------------
    def rate_limit(
        self,
        route: str,
        *,
        count: int = 1,
        retry_after_s: float = 1.0,
        scope: str = "user",
        is_global: bool = False,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` requests to `route` (e.g. "/interactions") with HTTP 429."""
        body = rate_limit_body(retry_after_s, scope=scope, is_global=is_global)
        self._rest.rules.append(
            RestRule(route, count, 429, body, retry_after_s, scope, is_global, method)
        )

    def rest_error(
        self,
        route: str,
        *,
        status: int,
        code: int = 0,
        message: str | None = None,
        count: int = 1,
        method: str | None = None,
    ) -> None:
        """Answer the next `count` requests to `route` with `status` and a Discord error body."""
        body = {"message": message or f"{status}: Injected error", "code": code}
        self._rest.rules.append(RestRule(route, count, status, body, method=method))

    # -- events ------------------------------------------------------------------------------
    def delay_events(self, event: str, seconds: float, *, count: int | None = None) -> None:
        """Deliver the next `count` `event` dispatches `seconds` (real time) late."""
        self._events.rules.append(EventRule(event, delay_s=seconds, remaining=count))

    def hold_events(self, event: str, *, count: int | None = None) -> None:
        """Keep `event` dispatches back until `release_events` (a deterministic reorder)."""
        self._events.rules.append(EventRule(event, hold=True, remaining=count))

    def held_events(self) -> list[str]:
        """The names of the dispatches held back now, in the order they were held."""
        return [held.event for held in self._events.held]

    def release_events(self, event: str | None = None) -> int:
        return self._dispatcher.release_held(event)

    def clear(self) -> None:
        """Remove every REST and event rule and release what is held."""
        self._rest.rules.clear()
        self._events.rules.clear()
        self._dispatcher.release_held()
