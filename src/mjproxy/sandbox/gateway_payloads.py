"""The gateway's own payloads: HELLO, READY and its supplement, RESUMED, and noise."""

from __future__ import annotations

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.identities import BOTS
from mjproxy.sandbox.protocol import JsonObject, Op
from mjproxy.sandbox.state import World

_TRACE = ['["gateway-sandbox-local-1",{"micros":0.0}]']
# Identify capability bits 4 (DEDUPE_USER_OBJECTS) and 5 (PRIORITIZED_READY_PAYLOAD) split
# READY into READY + READY_SUPPLEMENTAL for user accounts (reference §1.5, §1.6).
SUPPLEMENTAL_CAPABILITIES = (1 << 4) | (1 << 5)


def hello(heartbeat_interval_ms: int) -> JsonObject:
    return {
        "op": int(Op.HELLO),
        "d": {"heartbeat_interval": heartbeat_interval_ms, "_trace": list(_TRACE)},
        "s": None,
        "t": None,
    }


def heartbeat_ack() -> JsonObject:
    return {"op": int(Op.HEARTBEAT_ACK), "d": None}


def heartbeat_request() -> JsonObject:
    return {"op": int(Op.HEARTBEAT), "d": None}


def reconnect() -> JsonObject:
    return {"op": int(Op.RECONNECT), "d": None, "s": None, "t": None}


def invalid_session(resumable: bool) -> JsonObject:
    return {"op": int(Op.INVALID_SESSION), "d": resumable, "s": None, "t": None}


def ready(
    world: World, account: Account, *, session_id: str, resume_url: str, version: int
) -> JsonObject:
    """What a user account's READY carries that MJ clients read, plus realistic company."""
    user = account.user
    guilds = []
    for guild in world.guilds_of(user.id):
        channels = [world.channels[cid].to_json() for cid in guild.channel_ids]
        guilds.append(
            {
                "id": guild.id,
                "name": guild.name,
                "channels": channels,
                "member_count": len(guild.member_ids) + len(BOTS),
                "large": False,
                "lazy": True,
                "joined_at": "2023-01-01T00:00:00.000000+00:00",
            }
        )
    private_channels = [
        {
            "id": channel.id,
            "type": 1,
            "recipient_ids": [channel.recipient["id"]] if channel.recipient else [],
            "last_message_id": channel.last_message_id(),
            "flags": 0,
        }
        for channel in world.dm_channels_of(account)
    ]
    return {
        "v": version,
        "user": user.to_private_json(),
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "session_type": "normal",
        "auth_session_id_hash": "",
        "analytics_token": "",
        "country_code": "US",
        "guilds": guilds,
        "private_channels": private_channels,
        "users": [bot.user_json() for bot in BOTS.values()],
        "relationships": [],
        "sessions": [],
        "read_state": {"entries": [], "partial": False, "version": 0},
        "user_guild_settings": {"entries": [], "partial": False, "version": 0},
        "experiments": [],
        "guild_experiments": [],
        "_trace": list(_TRACE),
    }


def ready_supplemental(world: World, account: Account) -> JsonObject:
    return {
        "merged_presences": {"guilds": [], "friends": []},
        "merged_members": [],
        "lazy_private_channels": [],
        "guilds": [
            {"id": g.id, "voice_states": [], "embedded_activities": []}
            for g in world.guilds_of(account.user_id)
        ],
        "disclose": [],
    }


def sessions_replace(session_id: str) -> list[JsonObject]:
    return [
        {
            "session_id": session_id,
            "status": "online",
            "activities": [],
            "client_info": {"version": 0, "os": "other", "client": "web"},
        }
    ]


def resumed() -> JsonObject:
    return {"_trace": list(_TRACE)}
