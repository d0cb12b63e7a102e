"""Seed requests in flight: `/show` posts the job in the DM, ✉️ on it, the seed arrives."""

from __future__ import annotations

import asyncio

from mjproxy.domain.errors import EngineError
from mjproxy.engines.discord.events import ImageMessage, JobMessage


class SeedRequests:
    def __init__(self) -> None:
        self._waiters: dict[str, asyncio.Future[str]] = {}
        self._reacted: set[str] = set()

    def expect(self, job_hash: str) -> asyncio.Future[str]:
        waiter = self._waiters.get(job_hash)
        if waiter is None or waiter.done():
            waiter = self._waiters[job_hash] = asyncio.get_running_loop().create_future()
            self._reacted.discard(job_hash)
        return waiter

    def wants_reaction(self, event: ImageMessage | JobMessage) -> bool:
        """True once for the `/show` message of a job whose seed is awaited."""
        job_hash = event.job_hash
        if not job_hash or job_hash not in self._waiters or job_hash in self._reacted:
            return False
        self._reacted.add(job_hash)
        return True

    def resolve(self, job_hash: str, seed: str) -> None:
        waiter = self._waiters.get(job_hash)
        if waiter is not None and not waiter.done():
            waiter.set_result(seed)

    def fail(self, job_hash: str, error: EngineError) -> None:
        waiter = self._waiters.get(job_hash)
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def discard(self, job_hash: str) -> None:
        self._waiters.pop(job_hash, None)
        self._reacted.discard(job_hash)
