"""The message router: which in-flight task a gateway event belongs to.

Strong keys first — nonce, then message id (progress edits, deletes), interaction id,
job hash — and only then weak ones: the message a result replies to (button jobs), and
finally the prompt. Weak keys never pick a task whose own strong keys contradict the
event, which is what keeps two identical prompts on one account apart. Events that match
nothing yet (say, a result that overtook its INTERACTION_SUCCESS) wait in a small parking
lot and are retried whenever a task learns a new key.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator

from mjproxy.engines.discord.events import (
    GatewayEvent,
    IframeModalOpened,
    InteractionEvent,
    JobMessage,
    MessageDeleted,
    MessageEvent,
    ModalOpened,
    Notice,
)
from mjproxy.engines.discord.formats import JobKind
from mjproxy.engines.discord.tracking import TrackedTask, prompt_key

PARKING_LIMIT = 256
PARKING_TTL_S = 300.0


class MessageRouter:
    """Indexes the tasks in flight on one account and routes events to them."""

    def __init__(self, *, clock_s: Callable[[], float] = time.monotonic) -> None:
        self.user_id: str | None = None
        self._clock_s = clock_s
        self._tasks: dict[str, TrackedTask] = {}
        self._by_nonce: dict[str, TrackedTask] = {}
        self._by_interaction: dict[str, TrackedTask] = {}
        self._by_message: dict[str, TrackedTask] = {}
        self._by_hash: dict[str, TrackedTask] = {}
        self._parked: deque[tuple[float, MessageEvent]] = deque()
        self._order = 0

    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[TrackedTask]:
        return iter(list(self._tasks.values()))

    def get(self, task_id: str) -> TrackedTask | None:
        return self._tasks.get(task_id)

    def track(self, tracked: TrackedTask) -> None:
        self._order += 1
        tracked.order = self._order
        self._tasks[tracked.task_id] = tracked
        self.index(tracked)

    def forget(self, task_id: str) -> TrackedTask | None:
        tracked = self._tasks.pop(task_id, None)
        if tracked is None:
            return None
        for table in (self._by_nonce, self._by_interaction, self._by_message, self._by_hash):
            for key in [k for k, v in table.items() if v is tracked]:
                del table[key]
        return tracked

    def index(self, tracked: TrackedTask) -> None:
        """(Re-)index every key `tracked` knows; call after it learned something."""
        for nonce in tracked.nonces:
            self._by_nonce[nonce] = tracked
        for interaction_id in tracked.interaction_ids:
            self._by_interaction[interaction_id] = tracked
        for message_id in tracked.message_ids:
            self._by_message[message_id] = tracked
        if tracked.job_hash:
            self._by_hash[tracked.job_hash] = tracked

    def route(self, event: GatewayEvent) -> TrackedTask | None:
        """The task `event` belongs to, or None (not ours, or not yet known)."""
        if isinstance(event, MessageDeleted):
            return self._by_message.get(event.message_id)
        if isinstance(event, InteractionEvent | ModalOpened | IframeModalOpened):
            return self._strong(nonce=event.nonce, interaction_id=event.interaction_id)
        envelope = event.envelope
        if envelope.user_id and self.user_id and envelope.user_id != self.user_id:
            return None
        found = self._strong(
            nonce=envelope.nonce,
            message_id=envelope.message_id,
            interaction_id=envelope.interaction_id,
            job_hash=event.job_hash if isinstance(event, JobMessage) else None,
            reply_to=envelope.referenced_message_id,
        )
        if found is not None or envelope.nonce is not None:
            return found
        if isinstance(event, JobMessage | Notice):
            return self._weak(event)
        return None

    def park(self, event: MessageEvent) -> None:
        """Keep an unmatched event for a while; a task may learn its key later."""
        self._parked.append((self._clock_s(), event))
        while len(self._parked) > PARKING_LIMIT:
            self._parked.popleft()

    def unpark(self) -> list[tuple[TrackedTask, MessageEvent]]:
        """Parked events that now route to a task, removed from the lot (oldest first)."""
        deadline = self._clock_s() - PARKING_TTL_S
        matched: list[tuple[TrackedTask, MessageEvent]] = []
        kept: deque[tuple[float, MessageEvent]] = deque()
        for parked_at, event in self._parked:
            if parked_at < deadline:
                continue
            tracked = self.route(event)
            if tracked is None:
                kept.append((parked_at, event))
            else:
                matched.append((tracked, event))
        self._parked = kept
        return matched

    def _strong(
        self,
        *,
        nonce: str | None = None,
        message_id: str | None = None,
        interaction_id: str | None = None,
        job_hash: str | None = None,
        reply_to: str | None = None,
    ) -> TrackedTask | None:
        for table, key in (
            (self._by_nonce, nonce),
            (self._by_message, message_id),
            (self._by_interaction, interaction_id),
            (self._by_hash, job_hash),
            # An error embed may reply to the task's progress message (novicezk).
            (self._by_message, reply_to),
        ):
            if key and key in table:
                return table[key]
        return None

    def _weak(self, event: JobMessage | Notice) -> TrackedTask | None:
        candidates = [t for t in self._tasks.values() if not t.done and not _contradicts(t, event)]
        if isinstance(event, JobMessage):
            candidates = [t for t in candidates if event.kind in t.job_kinds]
        reply_to = event.envelope.referenced_message_id
        if reply_to:
            replies = [t for t in candidates if t.parent_message_id == reply_to]
            if isinstance(event, JobMessage) and event.index is not None:
                replies = [t for t in replies if t.index in (None, event.index)]
            if replies:
                return min(replies, key=lambda t: t.order)
        if not isinstance(event, JobMessage):
            return None
        key = prompt_key(event.prompt)
        same = [
            t
            for t in candidates
            if t.prompt_key == key and (not reply_to or t.parent_message_id in (None, reply_to))
        ]
        return min(same, key=lambda t: t.order) if same else None


def _contradicts(tracked: TrackedTask, event: JobMessage | Notice) -> bool:
    """True when the task's own keys prove `event` is someone else's."""
    interaction_id = event.envelope.interaction_id
    if interaction_id and tracked.interaction_ids and interaction_id not in tracked.interaction_ids:
        return True
    if not isinstance(event, JobMessage) or event.kind is JobKind.UPSCALE:
        return False
    return bool(event.job_hash and tracked.job_hash and event.job_hash != tracked.job_hash)
