"""The engines this build of mjproxy can run, by the name accounts use (`engine: discord`).

Each engine registers its factory here; an account naming an engine that is not listed is
disabled at start with a reason saying so.
"""

from __future__ import annotations

from mjproxy.config import DiscordEngineSettings, Settings
from mjproxy.engines.base import EngineFactory
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.engine import discord_engine_factory
from mjproxy.engines.discord.gateway import GatewayOptions
from mjproxy.engines.discord.identify import ClientProperties
from mjproxy.engines.discord.settings import DiscordSettings


def installed_engines(settings: Settings) -> dict[str, EngineFactory]:
    """Factories for every engine available to `mjproxy serve`."""
    return {"discord": discord_engine_factory(discord_settings(settings.discord))}


def discord_settings(config: DiscordEngineSettings) -> DiscordSettings:
    """The Discord engine's settings from the config file's `discord:` section."""
    return DiscordSettings(
        endpoints=DiscordEndpoints(
            api=config.api_url,
            gateway=config.gateway_url,
            resume_gateway=config.resume_gateway_url,
            cdn=config.cdn_url,
            upload=config.upload_url,
            iframe=config.iframe_url,
        ),
        gateway=GatewayOptions(compress=config.compress, ready_timeout_s=config.ready_timeout_s),
        properties=ClientProperties(
            system_locale=config.system_locale, client_build_number=config.client_build_number
        ),
        rest_timeout_s=config.rest_timeout_s,
        max_rate_limit_wait_s=config.max_rate_limit_wait_s,
        ready_timeout_s=config.ready_timeout_s,
        deletion_grace_s=config.deletion_grace_s,
    )
