"""Accounts as clients may see them: state, limits, load and Midjourney facts; never a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from mjproxy.api.deps import Pool, SchedulerDep
from mjproxy.api.schemas import AccountOut, account_out
from mjproxy.domain.errors import AccountNotFound

router = APIRouter(prefix="/account", tags=["accounts"])


@router.get("/list", summary="Every account")
async def list_accounts(pool: Pool, scheduler: SchedulerDep) -> list[AccountOut]:
    return [account_out(account, scheduler.counts(account.id)) for account in pool.all()]


@router.get("/{account_id}/fetch", summary="One account")
async def fetch_account(
    account_id: Annotated[str, Path(examples=["1118138338562560102"])],
    pool: Pool,
    scheduler: SchedulerDep,
) -> AccountOut:
    """An unknown id answers HTTP 404 with `{code, description}`."""
    account = pool.get(account_id)
    if account is None:
        raise AccountNotFound(account_id)
    return account_out(account, scheduler.counts(account.id))
