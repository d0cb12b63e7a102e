"""Webhook deliveries: one POST of one task state to one hook URL, and its attempts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn or for its next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # the retry window ran out
    REFUSED = "refused"  # the hook URL is not allowed (scheme, private address); never sent


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the outbox. Times are epoch milliseconds; `payload` is the exact body sent."""

    id: int
    task_id: str
    task_version: int
    url: str
    payload: str
    status: DeliveryStatus
    attempts: int
    created_ms: int
    next_attempt_ms: int
    deadline_ms: int
    last_attempt_ms: int | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    finished_ms: int | None = None
    topic: str | None = None  # "account:<id>" for account alerts (task_id "0")


@dataclass(frozen=True, slots=True)
class Announcement:
    """A delivery to write in the same transaction as the task state it announces."""

    url: str
    payload: str
    created_ms: int
    deadline_ms: int


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One try at sending a delivery: the HTTP status it got, or why it got none."""

    delivery_id: int
    number: int
    started_ms: int
    duration_ms: int
    status_code: int | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
