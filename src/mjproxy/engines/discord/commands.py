"""The application-command index: Midjourney's command ids and versions, never hard-coded.

Midjourney bumps command versions every few months; a stale version makes Discord answer
400/50035. The index is fetched once, cached, and refreshed on demand (at most once per
`min_refresh_interval_s`, so a burst of stale errors costs one request).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from mjproxy.domain.errors import UpstreamError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandInfo:
    id: str
    version: str
    name: str
    application_id: str
    raw: dict[str, Any]


class IndexSource(Protocol):
    async def __call__(self) -> dict[str, Any]: ...


class CommandIndex:
    def __init__(
        self,
        source: IndexSource,
        *,
        min_refresh_interval_s: float = 5.0,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._commands: dict[tuple[str, str], CommandInfo] | None = None
        self._lock = asyncio.Lock()
        self._refreshed_at = -1e18
        self._min_refresh_interval_s = min_refresh_interval_s
        self._clock_s = clock_s
        self.loads = 0

    async def get(self, application_id: str, name: str) -> CommandInfo:
        """The command `name` of the bot `application_id`. Raises `UpstreamError` if absent."""
        commands = self._commands
        if commands is None:
            commands = await self._load(force=False)
        found = commands.get((application_id, name))
        if found is None:
            raise UpstreamError(
                f"The application-command index has no /{name} for application {application_id}; "
                "invite that bot to the account's server or disable it for this account."
            )
        return found

    async def refresh(self) -> None:
        """Reload the index (after Discord called a version outdated)."""
        await self._load(force=True)

    async def _load(self, *, force: bool) -> dict[tuple[str, str], CommandInfo]:
        async with self._lock:
            # Throttle only forced refreshes: a burst of stale errors costs one reload.
            recent = self._clock_s() - self._refreshed_at < self._min_refresh_interval_s
            if self._commands is not None and (not force or recent):
                return self._commands
            index = await self._source()
            self._commands = _parse(index)
            if force:
                self._refreshed_at = self._clock_s()
            self.loads += 1
            logger.info("command index loaded: %d commands", len(self._commands))
            return self._commands


def _parse(index: dict[str, Any]) -> dict[tuple[str, str], CommandInfo]:
    commands: dict[tuple[str, str], CommandInfo] = {}
    for raw in index.get("application_commands", []) or []:
        try:
            info = CommandInfo(
                id=str(raw["id"]),
                version=str(raw["version"]),
                name=str(raw["name"]),
                application_id=str(raw["application_id"]),
                raw=raw,
            )
        except (KeyError, TypeError):
            continue
        commands[(info.application_id, info.name)] = info
    return commands
