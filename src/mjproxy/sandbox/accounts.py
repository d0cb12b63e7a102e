"""Simulated Midjourney subscribers: plans and their limits, settings, fast time, trouble flags."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.sandbox.entities import User


class Plan(StrEnum):
    NONE = "none"
    BASIC = "basic"
    STANDARD = "standard"
    PRO = "pro"
    MEGA = "mega"


class Mode(StrEnum):
    FAST = "fast"
    RELAX = "relax"
    TURBO = "turbo"


@dataclass(frozen=True, slots=True)
class PlanLimits:
    title: str
    fast_concurrency: int  # fast and turbo jobs running at once
    relax_concurrency: int
    fast_hours: float  # monthly fast GPU time
    stealth: bool


# commercial.md §2.1: 3 concurrent fast jobs for Basic/Standard, 12 for Pro/Mega, 3 relax.
PLAN_LIMITS: dict[Plan, PlanLimits] = {
    Plan.NONE: PlanLimits("None", 0, 0, 0.0, stealth=False),
    Plan.BASIC: PlanLimits("Basic", 3, 0, 3.3, stealth=False),
    Plan.STANDARD: PlanLimits("Standard", 3, 3, 15.0, stealth=False),
    Plan.PRO: PlanLimits("Pro", 12, 3, 30.0, stealth=True),
    Plan.MEGA: PlanLimits("Mega", 12, 3, 60.0, stealth=True),
}


@dataclass(slots=True)
class AccountSettings:
    """What /settings shows and the toggles change."""

    mode: Mode = Mode.FAST
    remix: bool = False
    high_variation: bool = True
    raw: bool = False
    stealth: bool = False
    version: str = "7"


@dataclass(slots=True)
class AccountFlags:
    """Trouble Midjourney reports on every command until cleared (control API or a button)."""

    blocked: bool = False
    captcha: bool = False  # an iframe "Action required to continue" answers every command
    pending_mod: bool = False  # "Pending mod message" until acknowledged


@dataclass(slots=True)
class Account:
    """One Discord user subscribed to Midjourney, with the ids of its server and DM channels."""

    token: str
    user: User
    plan: Plan
    guild_id: str
    channel_id: str
    dm_channel_ids: dict[str, str]  # bot application id → DM channel id
    settings: AccountSettings = field(default_factory=AccountSettings)
    flags: AccountFlags = field(default_factory=AccountFlags)
    fast_time_s: float = 0.0
    armed_scenarios: deque[str] = field(default_factory=deque)
    lifetime_images: int = 0
    relaxed_images: int = 0

    @property
    def limits(self) -> PlanLimits:
        return PLAN_LIMITS[self.plan]

    @property
    def user_id(self) -> str:
        return self.user.id

    def arm(self, scenario: str, count: int = 1) -> None:
        """Make the next `count` commands of this account run into `scenario`."""
        self.armed_scenarios.extend([scenario] * count)

    def take_armed(self) -> str | None:
        return self.armed_scenarios.popleft() if self.armed_scenarios else None

    def summary(self) -> dict[str, object]:
        """Ids, plan and settings, including the token (sandbox tokens are fake credentials)."""
        return {
            "token": self.token,
            "user_id": self.user.id,
            "username": self.user.username,
            "plan": self.plan.value,
            "guild_id": self.guild_id,
            "channel_id": self.channel_id,
            "dm_channel_ids": dict(self.dm_channel_ids),
            "mode": self.settings.mode.value,
            "remix": self.settings.remix,
            "high_variation": self.settings.high_variation,
            "version": self.settings.version,
            "fast_time_h": round(self.fast_time_s / 3600, 4),
            "flags": {
                "blocked": self.flags.blocked,
                "captcha": self.flags.captcha,
                "pending_mod": self.flags.pending_mod,
            },
        }
