"""The webhook delivery worker: takes due deliveries from the outbox and POSTs them.

Guarantees (docs/webhooks.md):
- at least once: a delivery stays pending in the database until a receiver answered 2xx
  or its retry window ran out, so a restart resumes where the last process stopped;
- per-task order: the outbox hands out only the oldest pending delivery of each task, so
  a newer state of a task is never sent before an older one is finished with;
- bounded attempts: each POST (DNS, connect, send, response status) has one deadline;
  failures back off exponentially with jitter until the retry window closes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from mjproxy import __version__
from mjproxy.domain.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from mjproxy.domain.errors import UnsafeHookUrl
from mjproxy.services.hooks import HookPolicy, HookUnreachable
from mjproxy.services.signing import SIGNATURE_HEADER, sign
from mjproxy.store.base import OutboxRepository
from mjproxy.store.errors import StoreError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Timeouts and the backoff schedule: delay n is d/2 + uniform(0, d/2) with
    d = min(max_delay_s, first_delay_s * 2^(n-1)) ("equal jitter": always growing, never
    synchronised across receivers)."""

    attempt_timeout_s: float = 10.0
    retry_window_s: float = 24 * 3600.0
    first_delay_s: float = 2.0
    max_delay_s: float = 600.0
    lease_margin_s: float = 30.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        ceiling: float = min(self.max_delay_s, self.first_delay_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    @property
    def lease_ms(self) -> int:
        return int((self.attempt_timeout_s + self.lease_margin_s) * 1000)


class AttemptObserver(Protocol):
    """Told about every attempt once it is recorded (metrics, tests)."""

    def __call__(self, delivery: Delivery, attempt: DeliveryAttempt) -> None: ...


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class WebhookDispatcher:
    """Runs deliveries, at most `concurrency` at a time (always for different tasks)."""

    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        client: httpx.AsyncClient,
        policy: HookPolicy,
        retry: RetryPolicy,
        signing_secret: bytes | None = None,
        concurrency: int = 8,
        poll_interval_s: float = 5.0,
        clock_ms: Callable[[], int] = _wall_ms,
        rng: random.Random | None = None,
        on_attempt: AttemptObserver | None = None,
        owner: str = "",
    ) -> None:
        self._outbox = outbox
        self._client = client
        self._policy = policy
        self._retry = retry
        self._secret = signing_secret
        self._concurrency = max(1, concurrency)
        self._poll_interval_s = poll_interval_s
        self._clock_ms = clock_ms
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._in_flight: set[int] = set()
        self._observers: list[AttemptObserver] = [on_attempt] if on_attempt else []
        # This instance's name on its leases ("node-<node_id>"; instances sharing a
        # database each have their own node id).
        self._owner = owner

    def observe(self, observer: AttemptObserver) -> None:
        """Also tell `observer` about every recorded attempt from now on."""
        self._observers.append(observer)

    def wake(self) -> None:
        """Look for due deliveries now (a delivery was enqueued or finished)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; leases of deliveries cut short are released on the way out."""
        try:
            await self._take_back_leases()
            async with asyncio.TaskGroup() as group:
                while True:
                    self._wake.clear()
                    try:
                        await self._start_due(group)
                        await self._sleep_until_due()
                    except StoreError as exc:
                        logger.warning("webhook outbox unavailable, retrying: %s", exc)
                        await asyncio.sleep(self._poll_interval_s)
        finally:
            # A delivery claimed but cancelled before it ever ran still holds its lease.
            if self._in_flight:
                await asyncio.shield(self._outbox.release(sorted(self._in_flight)))
                self._in_flight.clear()

    async def _take_back_leases(self) -> None:
        """Leases held under our name are orphans of a predecessor that was killed: sending
        their deliveries now (again, maybe: at least once) beats waiting out the lease."""
        try:
            taken = await self._outbox.release_owned(self._owner)
        except StoreError as exc:
            logger.warning("webhook leases of %s not taken back: %s", self._owner, exc)
            return
        if taken:
            logger.info("webhooks: %d deliveries taken back from the last run", taken)

    async def _start_due(self, group: asyncio.TaskGroup) -> None:
        free = self._concurrency - len(self._in_flight)
        if free <= 0:
            return
        claimed = await self._claim(free)
        for delivery in claimed:
            self._in_flight.add(delivery.id)
            group.create_task(self._run_one(delivery))

    async def _claim(self, limit: int) -> list[Delivery]:
        # Stopping must not strand leases: if we are cancelled while the claim commits, let
        # it finish and hand back what it took, else those rows would wait out their lease.
        claim = asyncio.ensure_future(
            self._outbox.claim_due(
                now_ms=self._clock_ms(),
                lease_ms=self._retry.lease_ms,
                limit=limit,
                owner=self._owner,
            )
        )
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            try:
                taken = await claim
            except Exception:
                taken = []  # it failed on its own: nothing was leased
            if taken:
                await self._outbox.release([delivery.id for delivery in taken])
            raise

    async def _sleep_until_due(self) -> None:
        timeout_s = self._poll_interval_s
        if len(self._in_flight) < self._concurrency:
            due_ms = await self._outbox.next_due_ms()
            if due_ms is not None:
                timeout_s = min(timeout_s, max(0.0, (due_ms - self._clock_ms()) / 1000))
        try:
            async with asyncio.timeout(timeout_s):
                await self._wake.wait()
        except TimeoutError:
            pass  # due time reached, or the periodic look for other instances' work

    async def _run_one(self, delivery: Delivery) -> None:
        try:
            await self.deliver(delivery)
        except asyncio.CancelledError:
            await asyncio.shield(self._outbox.release([delivery.id]))
            raise
        except Exception:
            # The lease expires on its own, so the delivery is retried later.
            logger.exception("delivery %d of task %s crashed", delivery.id, delivery.task_id)
        finally:
            self._in_flight.discard(delivery.id)
            self.wake()

    async def deliver(self, delivery: Delivery) -> DeliveryAttempt:
        """Make one attempt at `delivery` and record its outcome in the outbox."""
        number = delivery.attempts + 1
        started_ms = self._clock_ms()
        started = time.monotonic()
        status_code, error, refused = await self._attempt(delivery, number)
        attempt = DeliveryAttempt(
            delivery_id=delivery.id,
            number=number,
            started_ms=started_ms,
            duration_ms=int((time.monotonic() - started) * 1000),
            status_code=status_code,
            error=error,
        )
        await self._record(delivery, attempt, refused=refused)
        for observer in self._observers:
            observer(delivery, attempt)
        return attempt

    async def _attempt(
        self, delivery: Delivery, number: int
    ) -> tuple[int | None, str | None, bool]:
        try:
            async with asyncio.timeout(self._retry.attempt_timeout_s):
                target = await self._policy.resolve(delivery.url)
                body = delivery.payload.encode()
                headers = self._headers(delivery, body, number, target.host_header)
                extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
                request = self._client.build_request(
                    "POST", target.url, content=body, headers=headers, extensions=extensions
                )
                response = await self._client.send(request, stream=True, follow_redirects=False)
                await response.aclose()  # the body is not ours to read
                return response.status_code, None, False
        except UnsafeHookUrl as exc:
            return None, exc.reason, True
        except HookUnreachable as exc:
            return None, str(exc), False
        except TimeoutError:
            return None, f"no answer within {self._retry.attempt_timeout_s} s", False
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {str(exc)[:200]}", False

    def _headers(self, delivery: Delivery, body: bytes, number: int, host: str) -> dict[str, str]:
        headers = {
            "Host": host,
            "Content-Type": "application/json",
            "User-Agent": f"mjproxy/{__version__}",
            "X-Mjproxy-Delivery": str(delivery.id),
            "X-Mjproxy-Attempt": str(number),
        }
        if self._secret:
            headers[SIGNATURE_HEADER] = sign(self._secret, body, timestamp_s=int(time.time()))
        return headers

    async def _record(self, delivery: Delivery, attempt: DeliveryAttempt, *, refused: bool) -> None:
        host = urlsplit(delivery.url).hostname or "?"
        now_ms = self._clock_ms()
        if attempt.succeeded:
            await self._outbox.record_attempt(attempt, status=DeliveryStatus.DELIVERED)
            logger.debug(
                "delivery %d of task %s: %d", delivery.id, delivery.task_id, attempt.status_code
            )
            return
        outcome = attempt.error or f"HTTP {attempt.status_code}"
        if refused:
            await self._outbox.record_attempt(attempt, status=DeliveryStatus.REFUSED)
            logger.warning(
                "delivery %d of task %s refused: %s", delivery.id, delivery.task_id, outcome
            )
            return
        next_ms = now_ms + int(self._retry.delay_s(attempt.number, self._rng) * 1000)
        if next_ms > delivery.deadline_ms:
            await self._outbox.record_attempt(attempt, status=DeliveryStatus.FAILED)
            logger.warning(
                "delivery %d of task %s to %s given up after %d attempts: %s",
                delivery.id, delivery.task_id, host, attempt.number, outcome,
            )  # fmt: skip
            return
        await self._outbox.record_attempt(
            attempt, status=DeliveryStatus.PENDING, next_attempt_ms=next_ms
        )
        logger.info(
            "delivery %d of task %s to %s failed (attempt %d: %s), retrying in %.1f s",
            delivery.id, delivery.task_id, host, attempt.number, outcome, (next_ms - now_ms) / 1000,
        )  # fmt: skip
