"""Account settings as operators send them to the admin API, turned into service fields.

Unlike client requests, an unknown field is refused (a typo in `dailyLimit` must not pass
silently). The user token is checked here by hand and unknown fields are refused by name,
so no error message ever repeats a value that may be a token.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mjproxy.api.requests import ModeIn
from mjproxy.domain.account import Account, ModeLimits, Secret
from mjproxy.domain.errors import InvalidField, InvalidRequest
from mjproxy.domain.task import BotType, Mode

_BOT_ALIASES = {"MJ": "MID_JOURNEY", "MIDJOURNEY": "MID_JOURNEY", "NIJI": "NIJI_JOURNEY"}
_MAX_TOKEN_CHARS = 256


def _bot(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().upper()
        return _BOT_ALIASES.get(text, text)
    return value


def _digits(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


BotIn = Annotated[BotType, BeforeValidator(_bot)]
Snowflake = Annotated[str, BeforeValidator(_digits), Field(min_length=1, max_length=32)]


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    running: int = Field(ge=1, le=100)
    queued: int = Field(ge=0, le=1000)


class AccountFieldsIn(BaseModel):
    """Every settable field; all optional (create checks the required ones)."""

    # Extra fields are collected and refused by name in `read_fields` (never by value).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "main",
                    "channelId": "1118138338562560102",
                    "guildId": "1118138338562560000",
                    "userToken": "paste-the-discord-user-token",
                    "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
                    "limits": {"FAST": {"running": 3, "queued": 10}},
                    "remark": "team blue",
                }
            ]
        },
    )

    id: str | None = Field(None, max_length=64)
    engine: str | None = Field(None, min_length=1, max_length=32)
    channel_id: Snowflake | None = None
    guild_id: Snowflake | None = None
    user_token: Any = None  # checked by hand: its value must never reach an error message
    user_agent: str | None = Field(None, max_length=512)
    enable: bool | None = None
    bots: list[BotIn] | None = Field(None, max_length=2)
    modes: list[ModeIn] | None = Field(None, max_length=3)
    limits: dict[ModeIn, LimitIn | None] | None = None
    remix: bool | None = None
    remix_auto_submit: bool | None = None
    auto_relax: bool | None = None
    weight: int | None = Field(None, ge=1, le=1000)
    remark: str | None = Field(None, max_length=255)
    daily_limit: int | None = Field(None, ge=1, le=1_000_000)
    pause_min_s: float | None = Field(None, ge=0, le=600)
    pause_max_s: float | None = Field(None, ge=0, le=600)


def read_fields(given: AccountFieldsIn | None, *, current: Account | None = None) -> dict[str, Any]:
    """The account fields sent, as domain values. `current` is the account a PATCH changes
    (limits and the pause range are merged with it). Raises `InvalidRequest`."""
    given = given or AccountFieldsIn()
    if given.model_extra:
        names = ", ".join(sorted(given.model_extra)[:5])
        raise InvalidRequest(f"Not account fields: {names} (see docs/accounts.md).")
    sent = given.model_fields_set
    if current is not None and "id" in sent and given.id != current.id:
        raise InvalidField("id", "cannot change; create a new account instead")
    fields = _plain_fields(given, sent)
    if "user_token" in sent:
        fields["user_token"] = Secret(_token(given.user_token))
    if "limits" in sent:
        fields["limits"] = _limits(given.limits or {}, current)
    if sent & {"pause_min_s", "pause_max_s"}:
        low, high = current.submit_pause_s if current else (0.0, 0.0)
        low = given.pause_min_s if given.pause_min_s is not None else low
        high = given.pause_max_s if given.pause_max_s is not None else max(high, low)
        fields["submit_pause_s"] = (low, high)
    return fields


def _plain_fields(given: AccountFieldsIn, sent: set[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ("id", "engine", "channel_id", "guild_id", "user_agent", "remark"):
        if name in sent and getattr(given, name) is not None:
            fields[name] = getattr(given, name).strip()
    for name in ("remix", "remix_auto_submit", "auto_relax", "weight"):
        if name in sent and getattr(given, name) is not None:
            fields[name] = getattr(given, name)
    if "enable" in sent and given.enable is not None:
        fields["enabled"] = given.enable
    if "bots" in sent:
        fields["bots"] = frozenset(given.bots or ())
    if "modes" in sent:
        fields["modes"] = frozenset(given.modes or ())
    if "daily_limit" in sent:
        fields["daily_limit"] = given.daily_limit  # null: no daily limit
    return fields


def _token(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidField("userToken", "must be a non-empty string (the Discord token)")
    token = value.strip()
    if len(token) > _MAX_TOKEN_CHARS or any(c.isspace() for c in token):
        raise InvalidField(
            "userToken", f"must be one word of at most {_MAX_TOKEN_CHARS} characters"
        )
    return token


def _limits(given: dict[Mode, LimitIn | None], current: Account | None) -> dict[Mode, ModeLimits]:
    limits = dict(current.limits) if current else {}
    for mode, value in given.items():
        if value is None:
            limits.pop(mode, None)  # back to the scheduler's defaults
        else:
            limits[mode] = ModeLimits(running=value.running, queued=value.queued)
    return limits
