"""Constants Discord's gateway fixes: opcodes and what each close code means for us."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class OpCode(IntEnum):
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class CloseAction(StrEnum):
    """What the supervisor does after a close: resume the session, start a new one, or stop."""

    RESUME = "resume"
    REIDENTIFY = "reidentify"
    FATAL = "fatal"


@dataclass(frozen=True, slots=True)
class CloseRule:
    action: CloseAction
    meaning: str


# discord-protocol.md §1.8 ([DDOCS] table; 4015 from the user-account docs).
CLOSE_CODES: dict[int, CloseRule] = {
    1000: CloseRule(CloseAction.REIDENTIFY, "normal closure (session invalidated)"),
    1001: CloseRule(CloseAction.REIDENTIFY, "going away (session invalidated)"),
    4000: CloseRule(CloseAction.RESUME, "unknown error"),
    4001: CloseRule(CloseAction.RESUME, "unknown opcode"),
    4002: CloseRule(CloseAction.RESUME, "decode error"),
    4003: CloseRule(CloseAction.REIDENTIFY, "not authenticated"),
    4004: CloseRule(CloseAction.FATAL, "authentication failed: the user token is wrong or revoked"),
    4005: CloseRule(CloseAction.REIDENTIFY, "already authenticated"),
    4007: CloseRule(CloseAction.REIDENTIFY, "invalid sequence on resume"),
    4008: CloseRule(CloseAction.RESUME, "rate limited"),
    4009: CloseRule(CloseAction.REIDENTIFY, "session timed out"),
    4010: CloseRule(CloseAction.FATAL, "invalid shard"),
    4011: CloseRule(CloseAction.FATAL, "sharding required"),
    4012: CloseRule(CloseAction.FATAL, "invalid API version"),
    4013: CloseRule(CloseAction.FATAL, "invalid intents"),
    4014: CloseRule(CloseAction.FATAL, "disallowed intents"),
    4015: CloseRule(CloseAction.FATAL, "too many sessions for this user"),
}
# A dropped TCP connection or an unlisted code keeps the session: try to resume.
DEFAULT_CLOSE_RULE = CloseRule(CloseAction.RESUME, "connection lost")

# The close code we use ourselves to keep the session resumable (anything but 1000/1001).
RESUMABLE_CLOSE = 4000


def close_rule(code: int | None) -> CloseRule:
    return CLOSE_CODES.get(code, DEFAULT_CLOSE_RULE) if code is not None else DEFAULT_CLOSE_RULE
