"""Identifiers: Discord snowflakes from the clock, and everything random from one seeded RNG."""

from __future__ import annotations

import base64
import random
import string
import threading
import uuid

from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.protocol import DISCORD_EPOCH_MS

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


class Ids:
    """Makes snowflakes, job uuids, session ids, seeds and tokens; random parts come from `seed`.

    Snowflakes embed the wall clock as real ones do, so they are unique and ordered but not
    reproducible; everything a test compares (uuids, seeds, images) comes from the seeded RNG.
    """

    def __init__(self, seed: int = 0, *, worker_id: int = 1, process_id: int = 0) -> None:
        self._rng = random.Random(seed)
        self._worker_id = worker_id & 0x1F
        self._process_id = process_id & 0x1F
        self._increment = 0
        self._last_ms = 0
        self._lock = threading.Lock()

    def snowflake(self) -> str:
        """A Discord snowflake string: ms since 2015 << 22 | worker | process | increment."""
        with self._lock:
            ms = max(Clock.now_ms() - DISCORD_EPOCH_MS, self._last_ms)
            self._increment = (self._increment + 1) & 0xFFF
            if self._increment == 0:
                ms += 1  # 4096 ids in one ms: borrow the next ms to stay unique and ordered
            self._last_ms = ms
            value = (ms << 22) | (self._worker_id << 17) | (self._process_id << 12)
            return str(value | self._increment)

    def job_uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex_id(self, length: int = 32) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))

    def seed(self) -> int:
        """A Midjourney `--seed` value (0 … 4294967295)."""
        return self._rng.randrange(0, 4_294_967_296)

    def user_id(self) -> str:
        """A plausible user snowflake from 2021–2023, drawn from the RNG (not the clock)."""
        ms = self._rng.randrange(190_000_000_000, 280_000_000_000)
        return str((ms << 22) | self._rng.getrandbits(22))

    def token_for(self, user_id: str) -> str:
        """A user token shaped like Discord's: base64(user id).6 chars.38 chars."""
        head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
        mid = "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(6))
        tail = "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(38))
        return f"{head}.{mid}.{tail}"

    def short_code(self, length: int = 11) -> str:
        return "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(length))

    def choice_index(self, count: int) -> int:
        return self._rng.randrange(count)
