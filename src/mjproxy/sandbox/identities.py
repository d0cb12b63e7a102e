"""Who the simulated bots are: application ids, bot users, applications (reference §3.1)."""

from __future__ import annotations

from dataclasses import dataclass

from mjproxy.sandbox.protocol import JsonObject

MIDJOURNEY_APP_ID = "936929561302675456"
NIJI_APP_ID = "1022952195194359889"


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """One Midjourney-family bot: its application id equals its bot user id."""

    key: str  # "mj" or "niji"
    application_id: str
    username: str
    discriminator: str
    avatar: str
    default_model: str  # what `--v`/`--niji` the bot assumes when a prompt names none
    model_flag: str

    def user_json(self) -> JsonObject:
        return {
            "id": self.application_id,
            "username": self.username,
            "avatar": self.avatar,
            "discriminator": self.discriminator,
            "public_flags": 589824,
            "flags": 589824,
            "bot": True,
            "global_name": None,
        }

    def application_json(self) -> JsonObject:
        return {
            "id": self.application_id,
            "name": self.username.removesuffix(" Bot"),
            "icon": self.avatar,
            "description": "",
            "type": None,
            "bot_id": self.application_id,
            "flags": 0,
        }


MIDJOURNEY = BotIdentity(
    key="mj",
    application_id=MIDJOURNEY_APP_ID,
    username="Midjourney Bot",
    discriminator="9282",
    avatar="f6ce562a6b4979c4b1cbc5b436d3be76",
    default_model="7",
    model_flag="--v",
)
NIJI = BotIdentity(
    key="niji",
    application_id=NIJI_APP_ID,
    username="niji・journey Bot",
    discriminator="9000",
    avatar="4a4b8d5e0c5f4a4ba4a0b1c2d3e4f5a6",
    default_model="6",
    model_flag="--niji",
)
BOTS: dict[str, BotIdentity] = {MIDJOURNEY.application_id: MIDJOURNEY, NIJI.application_id: NIJI}
