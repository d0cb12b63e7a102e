"""Who hears a gateway event: channel members' sessions, or only the session an interaction named.

Public MESSAGE_* events go to every live session of every member of the channel. Interaction
events, modals and ephemeral messages go only to the session whose id the client put in the
interaction, and are dropped when no such session lives — the real pitfall of clients that
hard-code a session id (reference §2.2, §6.3.8).
"""

from __future__ import annotations

import asyncio
import copy
import logging

from mjproxy.sandbox.faults import EventFaults, HeldEvent
from mjproxy.sandbox.protocol import EventData
from mjproxy.sandbox.sessions import GatewaySession, SessionRegistry
from mjproxy.sandbox.state import World
from mjproxy.sandbox.tasks import BackgroundTasks
from mjproxy.sandbox.transcript import EntryKind, Transcript

logger = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        *,
        world: World,
        sessions: SessionRegistry,
        faults: EventFaults,
        tasks: BackgroundTasks,
        transcript: Transcript,
    ) -> None:
        self._world = world
        self._sessions = sessions
        self._faults = faults
        self._tasks = tasks
        self._transcript = transcript

    def to_channel(self, channel_id: str, event: str, data: EventData) -> None:
        """Send `event` to every live session of every member of the channel."""
        channel = self._world.channels.get(channel_id)
        members = channel.member_ids if channel is not None else set()
        targets = [s for s in self._sessions.alive() if s.user_id in members]
        self._route(targets, event, data)

    def to_user(self, user_id: str, event: str, data: EventData) -> None:
        self._route(self._sessions.for_user(user_id), event, data)

    def to_session(self, session_id: str | None, user_id: str, event: str, data: EventData) -> None:
        """Send `event` only to the named session of `user_id`; record a drop if there is none."""
        session = self._sessions.get(session_id)
        if session is None or session.user_id != user_id:
            self._transcript.record(
                EntryKind.DISPATCH_DROPPED, session_id=session_id, user_id=user_id, event=event
            )
            logger.debug("no live session %s for %s; dropped", session_id, event)
            return
        self._route([session], event, data)

    def _route(self, targets: list[GatewaySession], event: str, data: EventData) -> None:
        # A snapshot: the bot keeps editing its message dicts, the replay buffer must not change.
        frozen = copy.deepcopy(data)
        rule = self._faults.take(event)
        if rule is None:
            self._deliver(targets, event, frozen)
        elif rule.hold:
            self._faults.held.append(HeldEvent(tuple(targets), event, frozen))
        else:
            self._tasks.spawn(
                self._deliver_later(rule.delay_s, targets, event, frozen), name=f"delay-{event}"
            )

    async def _deliver_later(
        self, delay_s: float, targets: list[GatewaySession], event: str, data: EventData
    ) -> None:
        await asyncio.sleep(delay_s)
        self._deliver(targets, event, data)

    @staticmethod
    def _deliver(
        targets: list[GatewaySession] | tuple[GatewaySession, ...], event: str, data: EventData
    ) -> None:
        for session in targets:
            if session.is_alive():
                session.dispatch(event, data)

    def release_held(self, event: str | None = None) -> int:
        """Deliver held events (all, or those named `event`) in the order they were held."""
        released = self._faults.pop_held(event)
        for held in released:
            self._deliver(held.targets, held.event, held.data)
        return len(released)
