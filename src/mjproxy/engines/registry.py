"""The engines this build of mjproxy can run, by the name accounts use (`engine: discord`).

Each engine registers its factory here; an account naming an engine that is not listed is
disabled at start with a reason saying so.
"""

from __future__ import annotations

from mjproxy.config import Settings
from mjproxy.engines.base import EngineFactory


def installed_engines(settings: Settings) -> dict[str, EngineFactory]:
    """Factories for every engine available to `mjproxy serve`."""
    del settings  # engines read their own settings once they exist
    return {}
