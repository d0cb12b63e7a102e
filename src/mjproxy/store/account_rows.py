"""Conversion between domain accounts and rows of the `accounts` table."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts, ModeLimits, Secret
from mjproxy.domain.task import BotType, Mode

_FACT_FIELDS = {f.name for f in dataclasses.fields(MidjourneyFacts)}
_BOTS = {bot.value for bot in BotType}
_MODES = {mode.value for mode in Mode}


def account_to_row(account: Account, *, now_ms: int) -> dict[str, Any]:
    """Every column of `account`; `updated_ms` is `now_ms`."""
    return {
        "id": account.id,
        "engine": account.engine,
        "channel_id": account.channel_id,
        "guild_id": account.guild_id,
        "user_token": account.user_token.reveal(),
        "user_agent": account.user_agent,
        "enabled": account.enabled,
        "bots": sorted(bot.value for bot in account.bots),
        "modes": [mode.value for mode in Mode if mode in account.modes],
        "limits": limits_to_json(account.limits),
        "remix": account.remix,
        "remix_auto_submit": account.remix_auto_submit,
        "auto_relax": account.auto_relax,
        "weight": account.weight,
        "remark": account.remark,
        "daily_limit": account.daily_limit,
        "pause_min_s": account.submit_pause_s[0],
        "pause_max_s": account.submit_pause_s[1],
        "state": account.state.value,
        "state_reason": account.state_reason,
        "state_since_ms": account.state_since_ms,
        "facts": facts_to_json(account.facts),
        "jobs_day": account.jobs_day,
        "jobs_today": account.jobs_today,
        "created_ms": account.created_ms,
        "updated_ms": now_ms,
    }


def row_to_account(row: Mapping[Any, Any]) -> Account:
    return Account(
        id=row["id"],
        engine=row["engine"],
        channel_id=row["channel_id"],
        guild_id=row["guild_id"],
        user_token=Secret(row["user_token"]),
        user_agent=row["user_agent"],
        enabled=bool(row["enabled"]),
        bots=frozenset(BotType(v) for v in row["bots"] or () if v in _BOTS),
        modes=frozenset(Mode(v) for v in row["modes"] or () if v in _MODES),
        limits=limits_from_json(row["limits"]),
        remix=bool(row["remix"]),
        remix_auto_submit=bool(row["remix_auto_submit"]),
        auto_relax=bool(row["auto_relax"]),
        weight=int(row["weight"]),
        remark=row["remark"],
        daily_limit=row["daily_limit"],
        submit_pause_s=(float(row["pause_min_s"]), float(row["pause_max_s"])),
        state=AccountState(row["state"]),
        state_reason=row["state_reason"],
        state_since_ms=int(row["state_since_ms"]),
        facts=facts_from_json(row["facts"]),
        jobs_day=row["jobs_day"],
        jobs_today=int(row["jobs_today"]),
        created_ms=int(row["created_ms"]),
    )


def limits_to_json(limits: Mapping[Mode, ModeLimits]) -> dict[str, dict[str, int]]:
    return {
        mode.value: {"running": lim.running, "queued": lim.queued}
        for mode, lim in sorted(limits.items())
    }


def limits_from_json(data: Any) -> dict[Mode, ModeLimits]:
    if not isinstance(data, dict):
        return {}
    return {
        Mode(key): ModeLimits(running=int(value["running"]), queued=int(value["queued"]))
        for key, value in data.items()
        if key in _MODES and isinstance(value, dict)
    }


def facts_to_json(facts: MidjourneyFacts) -> dict[str, Any]:
    return {key: value for key, value in dataclasses.asdict(facts).items() if value is not None}


def facts_from_json(data: Any) -> MidjourneyFacts:
    if not isinstance(data, dict):
        return MidjourneyFacts()
    return MidjourneyFacts(**{key: value for key, value in data.items() if key in _FACT_FIELDS})
