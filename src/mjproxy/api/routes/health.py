"""`GET /health`: the process serves and how many accounts are ready. No key needed."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from mjproxy import __version__
from mjproxy.api.deps import Pool
from mjproxy.domain.account import AccountState

router = APIRouter(tags=["health"])


class Health(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    status: str
    version: str
    accounts: int
    ready_accounts: int


@router.get("/health", summary="Liveness and account readiness")
async def health(pool: Pool) -> Health:
    accounts = pool.all()
    ready = sum(1 for account in accounts if account.state is AccountState.READY)
    return Health(status="ok", version=__version__, accounts=len(accounts), ready_accounts=ready)
