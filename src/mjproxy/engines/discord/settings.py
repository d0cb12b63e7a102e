"""Settings of the Discord engine (built from the app's config; defaults suit Discord)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.gateway import GatewayOptions
from mjproxy.engines.discord.identify import ClientProperties


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    endpoints: DiscordEndpoints = field(default_factory=DiscordEndpoints)
    gateway: GatewayOptions = field(default_factory=GatewayOptions)
    properties: ClientProperties = field(default_factory=ClientProperties)
    rest_timeout_s: float = 30.0
    max_rate_limit_wait_s: float = 60.0
    ready_timeout_s: float = 30.0  # how long a job waits for the account's gateway
    deletion_grace_s: float = 10.0  # a deleted progress message without a result = moderated
    seed_timeout_s: float = 60.0
    history_limit: int = 50  # messages per history page read to catch up (Discord's most)
    # Catching up reads pages back to the oldest task in flight, at most this many messages.
    history_max_messages: int = 1_000
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
