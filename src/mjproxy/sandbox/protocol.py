"""Constants Discord itself fixes: opcodes, close codes, message and component kinds, error codes.

The sandbox defines them locally on purpose: it shares nothing with the Discord engine, so a
test proves the engine against the protocol, not against itself.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import Any

JsonObject = dict[str, Any]
EventData = JsonObject | list[JsonObject]  # a dispatch `d`: SESSIONS_REPLACE carries a list

DISCORD_EPOCH_MS = 1_420_070_400_000
MAX_CLIENT_PAYLOAD_BYTES = 4096
ZLIB_SUFFIX = b"\x00\x00\xff\xff"
SUPPORTED_API_VERSIONS = frozenset({9, 10})
MAX_NONCE_LENGTH = 25


class Op(IntEnum):
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
    GUILD_SUBSCRIPTIONS = 14
    QOS_HEARTBEAT = 40
    UPDATE_TIME_SPENT_SESSION_ID = 41


# Ops a user client may send that carry nothing the simulator acts on; accepted silently.
IGNORED_CLIENT_OPS = frozenset(
    {
        Op.PRESENCE_UPDATE,
        Op.VOICE_STATE_UPDATE,
        Op.REQUEST_GUILD_MEMBERS,
        Op.GUILD_SUBSCRIPTIONS,
        Op.QOS_HEARTBEAT,
        Op.UPDATE_TIME_SPENT_SESSION_ID,
        13,  # call connect
        36,  # request guild application commands (user clients)
        37,  # guild subscriptions bulk (user clients)
    }
)


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014
    TOO_MANY_SESSIONS = 4015


CLOSE_REASONS: dict[int, str] = {
    CloseCode.UNKNOWN_ERROR: "Unknown error.",
    CloseCode.UNKNOWN_OPCODE: "Unknown opcode.",
    CloseCode.DECODE_ERROR: "Error while decoding payload.",
    CloseCode.NOT_AUTHENTICATED: "Not authenticated.",
    CloseCode.AUTHENTICATION_FAILED: "Authentication failed.",
    CloseCode.ALREADY_AUTHENTICATED: "Already authenticated.",
    CloseCode.INVALID_SEQ: "Invalid seq.",
    CloseCode.RATE_LIMITED: "Rate limited.",
    CloseCode.SESSION_TIMED_OUT: "Session timed out.",
    CloseCode.INVALID_API_VERSION: "Invalid API version.",
}

# A close by the client with these codes ends the session; any other code keeps it resumable.
SESSION_ENDING_CLIENT_CODES = frozenset({CloseCode.NORMAL, CloseCode.GOING_AWAY})
# Server closes with these codes end the session too (the client must identify again).
SESSION_ENDING_SERVER_CODES = frozenset(
    {
        CloseCode.AUTHENTICATION_FAILED,
        CloseCode.INVALID_SEQ,
        CloseCode.SESSION_TIMED_OUT,
        CloseCode.INVALID_SHARD,
        CloseCode.SHARDING_REQUIRED,
        CloseCode.INVALID_API_VERSION,
        CloseCode.INVALID_INTENTS,
        CloseCode.DISALLOWED_INTENTS,
    }
)


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1


class MessageType(IntEnum):
    DEFAULT = 0
    REPLY = 19
    CHAT_INPUT_COMMAND = 20


class MessageFlag(IntFlag):
    NONE = 0
    EPHEMERAL = 64
    LOADING = 128


class InteractionType(IntEnum):
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class InteractionFailure(IntEnum):
    UNKNOWN = 1
    TIMEOUT = 2


class ComponentType(IntEnum):
    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    LABEL = 18


class ButtonStyle(IntEnum):
    PRIMARY = 1
    SECONDARY = 2
    SUCCESS = 3
    DANGER = 4
    LINK = 5


class TextInputStyle(IntEnum):
    SHORT = 1
    PARAGRAPH = 2


class OptionType(IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    ATTACHMENT = 11


class ErrorCode(IntEnum):
    GENERAL = 0
    UNKNOWN_APPLICATION = 10002
    UNKNOWN_CHANNEL = 10003
    UNKNOWN_GUILD = 10004
    UNKNOWN_MESSAGE = 10008
    UNKNOWN_USER = 10013
    UNKNOWN_INTERACTION = 10062
    UNKNOWN_APPLICATION_COMMAND = 10063
    MISSING_ACCESS = 50001
    CANNOT_SEND_EMPTY_MESSAGE = 50006
    CANNOT_SEND_TO_USER = 50007
    INVALID_FORM_BODY = 50035
    INVALID_JSON = 50109
