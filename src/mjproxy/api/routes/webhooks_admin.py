"""The webhook delivery log, for operators (admin key): what was sent where, and how it went."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from mjproxy.api.deps import Delivery
from mjproxy.api.requests import MAX_OFFSET
from mjproxy.api.schemas import DeliveryAttemptOut, DeliveryDetailOut, DeliveryOut, delivery_out
from mjproxy.domain.deliveries import DeliveryStatus
from mjproxy.domain.errors import DeliveryNotFound

router = APIRouter(prefix="/admin/webhooks", tags=["admin"])


@router.get("/deliveries", summary="Webhook deliveries, newest first")
async def list_deliveries(
    delivery: Delivery,
    response: Response,
    task_id: Annotated[str | None, Query(alias="taskId", max_length=20)] = None,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[DeliveryOut]:
    """The total matching count is in `X-Total-Count`. Hook URLs show only scheme, host and
    port; the body is in the single-delivery view."""
    if delivery.outbox is None:
        response.headers["X-Total-Count"] = "0"
        return []
    found, total = await delivery.outbox.list_recent(
        limit=limit, offset=offset, task_id=task_id, statuses=status or ()
    )
    response.headers["X-Total-Count"] = str(total)
    return [delivery_out(item) for item in found]


@router.get("/deliveries/{delivery_id}", summary="One delivery, its body and every attempt")
async def get_delivery(
    delivery_id: Annotated[str, Path(examples=["42"])], delivery: Delivery
) -> DeliveryDetailOut:
    outbox = delivery.outbox
    if outbox is None or not delivery_id.isdigit() or len(delivery_id) > 18:
        raise DeliveryNotFound(delivery_id)
    found = await outbox.get(int(delivery_id))
    if found is None:
        raise DeliveryNotFound(delivery_id)
    attempts = await outbox.attempts(found.id)
    return DeliveryDetailOut(
        **delivery_out(found).model_dump(),
        payload=found.payload,
        attempt_log=[
            DeliveryAttemptOut(
                number=a.number,
                started_at=a.started_ms,
                duration_ms=a.duration_ms,
                status_code=a.status_code,
                error=a.error,
            )
            for a in attempts
        ],
    )
