"""Admin routes for the account pool (admin key): changes take effect at once.

`POST /mj/admin/accounts` creates, `PATCH …/{id}` changes some fields, `POST …/{id}/enable`
and `…/disable` switch it, `DELETE …/{id}` removes it, `POST …/{id}/reconnect` reconnects it
(clearing a quarantine or health disable), `POST …/{id}/sync` reads `/info` and `/settings`
now. See docs/accounts.md. The user token can be written here and is never shown.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from mjproxy.api.account_input import AccountFieldsIn, read_fields
from mjproxy.api.deps import AccountsAdmin, SchedulerDep, require_admin_key
from mjproxy.api.schemas import AdminAccountOut, admin_account_out
from mjproxy.domain.account import Account
from mjproxy.services.scheduler import Scheduler

router = APIRouter(
    prefix="/admin/accounts",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
)

AccountId = Annotated[str, Path(max_length=64, examples=["1118138338562560102"])]


def _out(account: Account, scheduler: Scheduler) -> AdminAccountOut:
    return admin_account_out(account, scheduler.counts(account.id))


@router.get("", summary="Every account, as operators see it")
async def list_accounts(admin: AccountsAdmin, scheduler: SchedulerDep) -> list[AdminAccountOut]:
    return [_out(account, scheduler) for account in admin.all()]


@router.post("", summary="Add an account and connect it")
async def create_account(
    admin: AccountsAdmin,
    scheduler: SchedulerDep,
    body: AccountFieldsIn,
) -> AdminAccountOut:
    """`channelId`, `guildId` and `userToken` are required; `id` defaults to `channelId`.
    A taken id or a bad value answers HTTP 400 with code 4 and nothing is stored."""
    account = await admin.create(read_fields(body))
    return _out(account, scheduler)


@router.get("/{account_id}", summary="One account")
async def get_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    return _out(admin.get(account_id), scheduler)


@router.patch("/{account_id}", summary="Change some of an account's settings")
async def update_account(
    account_id: AccountId,
    admin: AccountsAdmin,
    scheduler: SchedulerDep,
    body: Annotated[
        AccountFieldsIn,
        Body(examples=[{"limits": {"FAST": {"running": 12, "queued": 10}}, "weight": 2}]),
    ],
) -> AdminAccountOut:
    """Only the fields sent change. New connection settings (token, channel, guild, user
    agent) reconnect the account; limits, modes, filters and weights apply to the next task."""
    current = admin.get(account_id)
    account = await admin.update(account_id, read_fields(body, current=current))
    return _out(account, scheduler)


@router.post("/{account_id}/enable", summary="Enable an account (clears a health state)")
async def enable_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    return _out(await admin.set_enabled(account_id, enabled=True), scheduler)


@router.post("/{account_id}/disable", summary="Disable an account")
async def disable_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    """Its tasks in flight fail; its waiting follow-ups move or fail; it is disconnected."""
    return _out(await admin.set_enabled(account_id, enabled=False), scheduler)


@router.delete("/{account_id}", summary="Delete an account")
async def delete_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    """Answers with the account as it was. An account from the config file comes back at
    the next start unless it is removed from the file too."""
    return _out(await admin.delete(account_id), scheduler)


@router.post("/{account_id}/reconnect", summary="Reconnect an account")
async def reconnect_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    return _out(await admin.reconnect(account_id), scheduler)


@router.post("/{account_id}/sync", summary="Read /info and /settings now")
async def sync_account(
    account_id: AccountId, admin: AccountsAdmin, scheduler: SchedulerDep
) -> AdminAccountOut:
    """Waits for Midjourney's answer and shows the fresh facts. Asking again within
    `pool.sync_min_gap_s` answers code 4; no answer in time answers code 9 (HTTP 502)."""
    return _out(await admin.sync(account_id), scheduler)
