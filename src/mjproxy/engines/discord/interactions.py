"""Building interaction payloads (types 2, 3, 5) and the nonces that tie replies to them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from mjproxy.engines.discord.commands import CommandInfo

DISCORD_EPOCH_MS = 1_420_070_400_000


class NonceFactory:
    """Snowflake-shaped nonces (ms since Discord's epoch << 22 | counter), never repeated.

    Discord de-duplicates interactions by nonce, so every click and every modal submit
    needs a fresh one (discord-protocol.md §2.3).
    """

    def __init__(
        self, *, clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000
    ) -> None:
        self._clock_ms = clock_ms
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            candidate = (self._clock_ms() - DISCORD_EPOCH_MS) << 22
            self._last = max(candidate, self._last + 1)
            return str(self._last)


def slash_command(
    *,
    command: CommandInfo,
    guild_id: str | None,
    channel_id: str,
    session_id: str,
    nonce: str,
    options: Sequence[dict[str, Any]],
    attachments: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": command.version,
        "id": command.id,
        "name": command.name,
        "type": 1,
        "options": list(options),
        "application_command": command.raw,
        "attachments": list(attachments),
    }
    return _interaction(2, command.application_id, guild_id, channel_id, session_id, nonce, data)


def component_click(
    *,
    application_id: str,
    guild_id: str | None,
    channel_id: str,
    message_id: str,
    message_flags: int,
    session_id: str,
    nonce: str,
    custom_id: str,
) -> dict[str, Any]:
    payload = _interaction(
        3,
        application_id,
        guild_id,
        channel_id,
        session_id,
        nonce,
        {"component_type": 2, "custom_id": custom_id},
    )
    payload["message_id"] = message_id
    payload["message_flags"] = message_flags
    return payload


def modal_submit(
    *,
    application_id: str,
    guild_id: str | None,
    channel_id: str,
    session_id: str,
    nonce: str,
    interaction_id: str,
    custom_id: str,
    values: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": input_id, "value": value}]}
        for input_id, value in values
    ]
    data = {"id": interaction_id, "custom_id": custom_id, "components": rows}
    return _interaction(5, application_id, guild_id, channel_id, session_id, nonce, data)


def _interaction(
    kind: int,
    application_id: str,
    guild_id: str | None,
    channel_id: str,
    session_id: str,
    nonce: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": kind,
        "application_id": application_id,
        "channel_id": channel_id,
        "session_id": session_id,
        "nonce": nonce,
        "data": data,
    }
    if guild_id:
        payload["guild_id"] = guild_id
    return payload
