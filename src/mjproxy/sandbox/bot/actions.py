"""What pressing a button does. The bot binds one to every custom_id it puts on a message."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Press(StrEnum):
    PICK = "pick"  # U1–U4 on a grid
    VARIATION = "variation"  # V1–V4 on a grid
    VARY = "vary"  # Vary (Strong|Subtle) on a single image
    REGION = "region"  # Vary (Region): the inpaint iframe
    REROLL = "reroll"
    ZOOM = "zoom"  # Zoom Out 2x / 1.5x
    CUSTOM_ZOOM = "custom_zoom"
    PAN = "pan"
    UPSCALE = "upscale"  # Upscale (Subtle|Creative|2x|4x)
    ANIMATE = "animate"
    EXTEND = "extend"
    VIDEO_PICK = "video_pick"
    BOOKMARK = "bookmark"
    CANCEL = "cancel"
    SETTING = "setting"  # a /settings toggle
    VERSION = "version"  # the /settings model select
    PIC_READER = "pic_reader"  # /describe 1️⃣–4️⃣
    PIC_READER_ALL = "pic_reader_all"
    PIC_RETRY = "pic_retry"
    ANALYZER = "analyzer"  # /shorten 1️⃣–5️⃣
    GATE = "gate"  # acknowledge a mod message, answer a verification


@dataclass(frozen=True, slots=True)
class ButtonAction:
    press: Press
    index: int = 1
    detail: str = ""  # strength, direction, zoom factor, motion level, setting, gate token …
    job_uuid: str = ""
    text: str = ""  # a prompt (describe/shorten buttons) or a gate choice

    def with_(self, **changes: object) -> ButtonAction:
        return replace(self, **changes)  # type: ignore[arg-type]
