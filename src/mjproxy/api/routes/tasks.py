"""Task queries: fetch one, several by id, the newest, the queue; seed; cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from mjproxy.api.deps import Msgs, Queries, TaskCache, Tasks, Upstream
from mjproxy.api.messages import Outcome
from mjproxy.api.requests import MAX_OFFSET, ListByConditionIn
from mjproxy.api.schemas import SubmitReply, TaskOut, task_response, tasks_response
from mjproxy.domain.task import TaskStatus

router = APIRouter(prefix="/task", tags=["tasks"])

TaskIdPath = Annotated[str, Path(description="The task id", examples=["1320098173412546"])]


# Task replies are serialised by `schemas.task_wire` (fast, and tested against `TaskOut`);
# `response_model` only documents them.
@router.get("/{task_id}/fetch", summary="One task", response_model=TaskOut)
async def fetch(task_id: TaskIdPath, queries: Queries) -> Response:
    """An unknown id answers HTTP 404 with `{code, description}`."""
    return task_response(await queries.get(task_id))


@router.post(
    "/list-by-condition",
    summary="Tasks by id (the aggregators' poll)",
    response_model=list[TaskOut],
)
async def list_by_condition(
    body: ListByConditionIn, queries: Queries, cache: TaskCache
) -> Response:
    """Ids may be strings or numbers. Only tasks whose id was asked are returned, in the
    order asked; unknown ids are left out; no ids gives `[]`."""
    array = await cache.json_array(queries, body.ids or [])
    return Response(array, media_type="application/json")


@router.get("/list", summary="The newest tasks, newest first", response_model=list[TaskOut])
async def list_tasks(
    queries: Queries,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Tasks to skip")] = 0,
    status: Annotated[list[TaskStatus] | None, Query(description="Only these statuses")] = None,
) -> Response:
    """A JSON array (as the original API); the total matching count is in `X-Total-Count`."""
    tasks, total = await queries.recent(limit=limit, offset=offset, statuses=status or ())
    return tasks_response(tasks, headers={"X-Total-Count": str(total)})


@router.get(
    "/queue", summary="Tasks running or waiting, oldest first", response_model=list[TaskOut]
)
async def queue(queries: Queries) -> Response:
    return tasks_response(await queries.in_queue())


@router.get("/{task_id}/image-seed", summary="The seed of a finished task")
async def image_seed(task_id: TaskIdPath, upstream: Upstream, messages: Msgs) -> SubmitReply:
    """`result` is the seed as a string."""
    seed = await upstream.seed(task_id)
    return SubmitReply(code=1, description=messages.outcome(Outcome.SUCCESS), result=seed)


@router.post("/{task_id}/cancel", summary="Cancel an unfinished task")
async def cancel(task_id: TaskIdPath, tasks: Tasks, messages: Msgs) -> SubmitReply:
    """A task that has not reached its engine is cancelled at once; a running one when its
    engine confirms."""
    task = await tasks.cancel(task_id)
    outcome = Outcome.CANCELLED if task.status is TaskStatus.CANCEL else Outcome.CANCEL_REQUESTED
    return SubmitReply(code=1, description=messages.outcome(outcome), result=task.id)
