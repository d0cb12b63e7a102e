"""An account: one Discord user (or one local worker) that runs tasks, its limits and its health."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.domain.task import BotType, Mode


class AccountState(StrEnum):
    CONNECTING = "connecting"
    READY = "ready"
    QUARANTINED = "quarantined"
    DISABLED = "disabled"


class Secret:
    """A value that must never be printed: its repr and str are masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class ModeLimits:
    """How many jobs of one speed mode may run at once and wait in line on an account."""

    running: int = 3
    queued: int = 10


@dataclass(frozen=True, slots=True)
class MidjourneyFacts:
    """What Midjourney itself reports about the account (`/info`, `/settings`)."""

    subscription: str | None = None
    job_mode: str | None = None
    fast_time_remaining_h: float | None = None
    relaxed_usage: str | None = None
    lifetime_usage: str | None = None
    remix: bool | None = None
    version: str | None = None
    fast_exhausted: bool = False
    updated_ms: int | None = None


STICKY_STATES = frozenset({AccountState.QUARANTINED, AccountState.DISABLED})
"""States only an operator clears (enable, reconnect, a new token): engines cannot."""


@dataclass(slots=True)
class Account:
    """One worker identity; `id` is the instance id clients filter on (Discord: the channel).

    `limits` holds the account's own limits per mode; modes it does not set use
    `default_limits` (the scheduler's defaults from the config file). `jobs_today` counts
    the jobs started on `jobs_day` (UTC, `YYYY-MM-DD`) against `daily_limit`.
    """

    id: str
    engine: str = "discord"
    channel_id: str = ""
    guild_id: str = ""
    user_token: Secret = field(default_factory=lambda: Secret(""))
    user_agent: str = ""
    enabled: bool = True
    bots: frozenset[BotType] = frozenset({BotType.MID_JOURNEY, BotType.NIJI_JOURNEY})
    modes: frozenset[Mode] = frozenset({Mode.FAST, Mode.RELAX, Mode.TURBO})
    limits: dict[Mode, ModeLimits] = field(default_factory=dict)
    default_limits: ModeLimits = field(default_factory=ModeLimits)
    remix: bool = False
    remix_auto_submit: bool = False
    auto_relax: bool = True
    weight: int = 1
    remark: str = ""
    daily_limit: int | None = None
    submit_pause_s: tuple[float, float] = (0.0, 0.0)
    timeout_s: float = 600.0
    state: AccountState = AccountState.CONNECTING
    state_reason: str = ""
    state_since_ms: int = 0
    facts: MidjourneyFacts = field(default_factory=MidjourneyFacts)
    jobs_day: str = ""
    jobs_today: int = 0
    created_ms: int = 0

    @property
    def sandbox(self) -> bool:
        return self.engine == "sandbox"

    def limits_for(self, mode: Mode) -> ModeLimits:
        return self.limits.get(mode, self.default_limits)

    def jobs_on(self, day: str) -> int:
        """Jobs started on `day` (the counter restarts every UTC day)."""
        return self.jobs_today if self.jobs_day == day else 0

    def has_jobs_left(self, day: str, *, pending: int = 0) -> bool:
        """Whether the daily limit allows one more job, counting `pending` not yet started."""
        return self.daily_limit is None or self.jobs_on(day) + pending < self.daily_limit

    @property
    def is_usable(self) -> bool:
        return self.enabled and self.state is AccountState.READY

    @property
    def is_in_pool(self) -> bool:
        """Ready, or connecting and not taken out by health or the operator: work may wait
        for it. A gateway that drops and resumes is routine, not a reason to refuse tasks."""
        return self.enabled and not self.is_sticky

    @property
    def is_sticky(self) -> bool:
        """Quarantined or disabled by health: engines' ready/connecting reports are ignored."""
        return self.state in STICKY_STATES

    def allows_mode(self, mode: Mode) -> bool:
        if mode not in self.modes:
            return False
        return not (mode in (Mode.FAST, Mode.TURBO) and self.facts.fast_exhausted)
