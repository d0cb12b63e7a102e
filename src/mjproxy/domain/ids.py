"""Task ids: digit-only strings below 2^53, unique across restarts and across instances.

Layout of the integer (53 bits): milliseconds since 2024-01-01 UTC (41 bits, good until
2093), node id (5 bits, one per instance), sequence within the millisecond (7 bits).
JavaScript clients turn ids into numbers, so staying below 2^53 keeps them exact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
NODE_BITS = 5
SEQUENCE_BITS = 7
MAX_NODE_ID = (1 << NODE_BITS) - 1
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
MAX_ID = (1 << 53) - 1


class TaskIdGenerator:
    """Makes strictly increasing task ids for one node.

    `floor` is the largest id already stored, so a restart with a clock that went back
    still never repeats an id.
    """

    def __init__(
        self,
        node_id: int,
        *,
        floor: int = 0,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        if not 0 <= node_id <= MAX_NODE_ID:
            raise ValueError(f"Expected a node id between 0 and {MAX_NODE_ID}, but got {node_id}.")
        self._node_id = node_id
        self._clock_ms = clock_ms
        self._last = floor
        self._lock = threading.Lock()

    def next_id(self) -> str:
        with self._lock:
            candidate = self._compose(self._clock_ms() - EPOCH_MS, 0)
            if candidate <= self._last:
                candidate = self._after(self._last)
            if candidate > MAX_ID:
                raise OverflowError("Task ids are exhausted for this epoch.")
            self._last = candidate
            return str(candidate)

    def _compose(self, ms: int, sequence: int) -> int:
        return (ms << (NODE_BITS + SEQUENCE_BITS)) | (self._node_id << SEQUENCE_BITS) | sequence

    def _after(self, last: int) -> int:
        ms = last >> (NODE_BITS + SEQUENCE_BITS)
        sequence = (last & _SEQUENCE_MASK) + 1
        candidate = self._compose(ms, sequence) if sequence <= _SEQUENCE_MASK else 0
        # The floor may come from another node's id in the same millisecond.
        return candidate if candidate > last else self._compose(ms + 1, 0)


def node_of(task_id: str) -> int:
    """The node id baked into a task id."""
    return (int(task_id) >> SEQUENCE_BITS) & MAX_NODE_ID
