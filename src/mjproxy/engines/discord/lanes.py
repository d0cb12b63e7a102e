"""Reporting task updates: in order for each task, without one task's write holding up another's.

An account's gateway events are routed one at a time, in order; what they mean for a task is
reported to the update sink (the task service, which writes the database). When the
consumer awaited each write, every task of the account waited behind every other task's
writes: a result queued behind its neighbours' progress edits, and the finished job's slot
stayed taken until the queue got to it. Each task now has its own lane. A lane reports its
updates one after another, in the order they were produced; lanes of different tasks run at
once. While a lane is busy, progress updates waiting in it are merged into one (the newest
value of each field wins, as applying them one by one would leave the task), so a slow
database gets fewer writes and never a different outcome.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import deque
from typing import Any

from mjproxy.domain.task import TaskStatus, TaskUpdate
from mjproxy.engines.base import UpdateSink

logger = logging.getLogger(__name__)

_MERGED_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(TaskUpdate)
    if f.name not in ("task_id", "progress", "properties", "engine_state")
)


def merge_updates(older: TaskUpdate, newer: TaskUpdate) -> TaskUpdate | None:
    """One update with the effect of applying `older` then `newer`, or None when they may
    not be merged: only updates of a running task are (no status but IN_PROGRESS, no
    failure reason), so a status change is never folded into another one."""
    if older.task_id != newer.task_id or not (_is_progress(older) and _is_progress(newer)):
        return None
    values: dict[str, Any] = {
        name: _newest(getattr(older, name), getattr(newer, name)) for name in _MERGED_FIELDS
    }
    progress = [p for p in (older.progress, newer.progress) if p is not None]
    return TaskUpdate(
        task_id=newer.task_id,
        progress=max(progress) if progress else None,
        properties=_merged_map(older.properties, newer.properties),
        engine_state=_merged_map(older.engine_state, newer.engine_state),
        **values,
    )


def _is_progress(update: TaskUpdate) -> bool:
    return update.status in (None, TaskStatus.IN_PROGRESS) and update.fail_reason is None


def _newest(older: object, newer: object) -> object:
    return older if newer is None else newer


def _merged_map(
    older: dict[str, Any] | None, newer: dict[str, Any] | None
) -> dict[str, Any] | None:
    if older is None or newer is None:
        return newer if older is None else older
    return {**older, **newer}


@dataclasses.dataclass(slots=True)
class _Pending:
    update: TaskUpdate
    # Resolved once the update (or the merged one it went into) has been reported.
    reported: list[asyncio.Future[None]]


class UpdateLanes:
    """One ordered lane of updates per task; lanes drain concurrently into `sink`."""

    def __init__(self, *, account_id: str, sink: UpdateSink) -> None:
        self._account_id = account_id
        self._sink = sink
        self._waiting: dict[str, deque[_Pending]] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        self.merged = 0  # updates folded into a later one (a figure for benchmarks and tests)

    def put(self, update: TaskUpdate) -> asyncio.Future[None]:
        """Queue `update` behind the task's earlier ones; never waits. The future returned
        is done once the update has been reported (whether the sink accepted it or not)."""
        reported = asyncio.get_running_loop().create_future()
        waiting = self._waiting.get(update.task_id)
        if waiting is None:
            self._waiting[update.task_id] = deque([_Pending(update, [reported])])
            self._drains[update.task_id] = asyncio.create_task(
                self._drain(update.task_id), name=f"updates-{update.task_id}"
            )
            return reported
        merged = merge_updates(waiting[-1].update, update) if waiting else None
        if merged is None:
            waiting.append(_Pending(update, [reported]))
        else:
            waiting[-1].update = merged
            waiting[-1].reported.append(reported)
            self.merged += 1
        return reported

    def __len__(self) -> int:
        """Tasks with updates not yet reported."""
        return len(self._waiting)

    async def drained(self) -> None:
        """Wait until every update queued so far (and any queued meanwhile) is reported."""
        while self._drains:
            await asyncio.gather(*self._drains.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop reporting; updates not reported yet are dropped."""
        drains = list(self._drains.values())
        for drain in drains:
            drain.cancel()
        await asyncio.gather(*drains, return_exceptions=True)

    async def _drain(self, task_id: str) -> None:
        waiting = self._waiting[task_id]
        try:
            while waiting:
                pending = waiting.popleft()
                try:
                    await self._sink(pending.update)
                except Exception:
                    logger.exception(
                        "%s task %s: reporting an update failed", self._account_id, task_id
                    )
                finally:
                    for future in pending.reported:
                        if not future.done():
                            future.set_result(None)
        finally:
            # No await between the last check and here, so nothing is put in between.
            del self._waiting[task_id]
            del self._drains[task_id]
            for pending in waiting:
                for future in pending.reported:
                    future.cancel()
