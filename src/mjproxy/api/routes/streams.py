"""Live task progress as Server-Sent Events, authenticated like every other `/mj` route.

`GET /mj/task/{id}/stream` follows one task and closes after its final state;
`GET /mj/task/stream?ids=1,2` follows several (closing after the last finishes) and without
`ids` follows every task. Each event is `event: task`, `id: <task id>:<version>`, and
`data:` the task JSON exactly as fetch returns it. The first line, `retry: 3000`, comes once
the server hears every change, so a client that saw it misses nothing. A comment line every
15 s keeps proxies from closing an idle stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from mjproxy.api.deps import ServicesDep
from mjproxy.api.schemas import task_json
from mjproxy.domain.errors import TaskNotFound
from mjproxy.domain.task import Task
from mjproxy.services.live import Heartbeat, Subscribed, TaskFollower
from mjproxy.services.runtime import Services

router = APIRouter(prefix="/task", tags=["tasks"])

_MAX_IDS = 100
# Tells proxies such as nginx not to buffer the stream.
_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get("/stream", summary="Live changes of several tasks (Server-Sent Events)")
async def stream_many(
    services: ServicesDep,
    ids: Annotated[
        list[str] | None, Query(description="Task ids, repeated or comma-separated")
    ] = None,
) -> StreamingResponse:
    wanted = _split_ids(ids) if ids else None
    return _stream(services, wanted)


@router.get("/{task_id}/stream", summary="Live changes of one task (Server-Sent Events)")
async def stream_one(
    task_id: Annotated[str, Path(examples=["1320098173412546"])], services: ServicesDep
) -> StreamingResponse:
    """Unknown ids answer 404 JSON; the stream closes after the task's final state."""
    if await services.store.get(task_id) is None:
        raise TaskNotFound(task_id)
    return _stream(services, [task_id])


def _split_ids(values: Sequence[str]) -> list[str]:
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return ids[:_MAX_IDS]


def _stream(services: Services, task_ids: list[str] | None) -> StreamingResponse:
    return StreamingResponse(
        _events(services, task_ids), media_type="text/event-stream", headers=_HEADERS
    )


async def _events(services: Services, task_ids: list[str] | None) -> AsyncIterator[str]:
    follower = TaskFollower(
        bus=services.bus,
        store=services.store,
        task_ids=task_ids,
        is_ready=services.delivery.is_ready,
    )
    async for item in follower.follow():
        if isinstance(item, Subscribed):
            # Sent once the bus subscription exists: a client that saw it misses nothing.
            yield "retry: 3000\n\n"
        elif isinstance(item, Heartbeat):
            yield ": keep-alive\n\n"
        else:
            yield _event(item)


def _event(task: Task) -> str:
    # Compact JSON never contains a raw newline, so one `data:` line carries the whole task.
    return f"event: task\nid: {task.id}:{task.version}\ndata: {task_json(task)}\n\n"
