"""Midjourney's component rows and modals, as data (reference §3.5, §3.6).

Custom-id templates take `{uuid}` (the job), and whatever else a row names. Ids recorded in
the reference are used verbatim; ids it did not record (/settings mode toggles, the mod
acknowledge and verification buttons) are placeholders shaped like Midjourney's.
"""

from __future__ import annotations

from dataclasses import dataclass

from mjproxy.sandbox.bot.actions import Press
from mjproxy.sandbox.protocol import ButtonStyle


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    custom_id: str | None  # template; None for link buttons
    press: Press | None
    label: str | None = None
    emoji: str | None = None
    emoji_id: str | None = None  # custom emoji
    style: ButtonStyle = ButtonStyle.SECONDARY
    url: str | None = None
    index: int = 1
    detail: str = ""


Row = tuple[ButtonSpec, ...]

# -- grid results: imagine, reroll, blend, variations, zoom, pan -------------------------------
GRID: tuple[Row, ...] = (
    (
        *(
            ButtonSpec(f"MJ::JOB::upsample::{i}::{{uuid}}", Press.PICK, f"U{i}", index=i)
            for i in range(1, 5)
        ),
        ButtonSpec("MJ::JOB::reroll::0::{uuid}::SOLO", Press.REROLL, emoji="🔄"),
    ),
    tuple(
        ButtonSpec(f"MJ::JOB::variation::{i}::{{uuid}}", Press.VARIATION, f"V{i}", index=i)
        for i in range(1, 5)
    ),
)

# -- single images (after U1–U4), by model family ---------------------------------------------
_UPSCALE_IDS = {
    "5": (("2x", "upsample_v5_2x"), ("4x", "upsample_v5_4x")),
    "6": (("Subtle", "upsample_v6_2x_subtle"), ("Creative", "upsample_v6_2x_creative")),
    "6.1": (("Subtle", "upsample_v6r1_2x_subtle"), ("Creative", "upsample_v6r1_2x_creative")),
    "7": (("Subtle", "upsample_v7_2x_subtle"), ("Creative", "upsample_v7_2x_creative")),
    "8": (("Subtle", "upsample_v7_2x_subtle"), ("Creative", "upsample_v7_2x_creative")),
}
_VARY_ROW: Row = (
    ButtonSpec(
        "MJ::JOB::low_variation::1::{uuid}::SOLO",
        Press.VARY,
        "Vary (Subtle)",
        "🪄",
        detail="Subtle",
    ),
    ButtonSpec(
        "MJ::JOB::high_variation::1::{uuid}::SOLO",
        Press.VARY,
        "Vary (Strong)",
        "🪄",
        detail="Strong",
    ),
    ButtonSpec("MJ::Inpaint::1::{uuid}::SOLO", Press.REGION, "Vary (Region)", "🖌️"),
)
_ZOOM_ROW: Row = (
    ButtonSpec("MJ::Outpaint::50::1::{uuid}::SOLO", Press.ZOOM, "Zoom Out 2x", "🔍", detail="2"),
    ButtonSpec(
        "MJ::Outpaint::75::1::{uuid}::SOLO", Press.ZOOM, "Zoom Out 1.5x", "🔍", detail="1.5"
    ),
    ButtonSpec("MJ::CustomZoom::{uuid}", Press.CUSTOM_ZOOM, "Custom Zoom", "🔍"),
)
_PAN_ROW: Row = tuple(
    ButtonSpec(f"MJ::JOB::pan_{d.lower()}::1::{{uuid}}::SOLO", Press.PAN, emoji=e, detail=d)
    for d, e in (("Left", "⬅️"), ("Right", "➡️"), ("Up", "⬆️"), ("Down", "⬇️"))
)
_ANIMATE: Row = (
    ButtonSpec(
        "MJ::JOB::animate_high::1::{uuid}::SOLO",
        Press.ANIMATE,
        "Animate (High motion)",
        "🎞️",
        detail="high",
    ),
    ButtonSpec(
        "MJ::JOB::animate_low::1::{uuid}::SOLO",
        Press.ANIMATE,
        "Animate (Low motion)",
        "🎞️",
        detail="low",
    ),
)
_KEEP: Row = (
    ButtonSpec("MJ::BOOKMARK::{uuid}", Press.BOOKMARK, emoji="❤️"),
    ButtonSpec(
        None, None, "Web", style=ButtonStyle.LINK, url="https://www.midjourney.com/app/jobs/{uuid}/"
    ),
)


def _upscale_row(family: str) -> Row:
    return tuple(
        ButtonSpec(
            f"MJ::JOB::{name}::1::{{uuid}}::SOLO",
            Press.UPSCALE,
            f"Upscale ({strength})",
            "upscale_1",
            emoji_id="1173337178658750474",
            detail=strength,
        )
        for strength, name in _UPSCALE_IDS[family]
    )


def solo_rows(family: str) -> tuple[Row, ...]:
    """Rows under a picked image; v8 has no zoom or pan, animate needs v7+ (reference §3.5)."""
    video = family in ("7", "8")
    last = (*_ANIMATE, *_KEEP) if video else _KEEP
    if family == "8":
        return (_upscale_row(family), _VARY_ROW, last)
    return (_upscale_row(family), _VARY_ROW, _ZOOM_ROW, _PAN_ROW, last)


UPSCALED: tuple[Row, ...] = (_VARY_ROW[:2], _KEEP)  # [placeholder] after an HD upscale

# -- video results [ref §3.5] -------------------------------------------------------------------
_EXTEND: Row = (
    ButtonSpec(
        "MJ::JOB::animate_high_extend::1::{uuid}",
        Press.EXTEND,
        "Extend (High motion)",
        "🎞️",
        detail="high",
    ),
    ButtonSpec(
        "MJ::JOB::animate_low_extend::1::{uuid}",
        Press.EXTEND,
        "Extend (Low motion)",
        "🎞️",
        detail="low",
    ),
)
VIDEO_GRID: tuple[Row, ...] = (
    (
        *(
            ButtonSpec(
                f"MJ::JOB::video_virtual_upscale::{i}::{{uuid}}", Press.VIDEO_PICK, f"U{i}", index=i
            )
            for i in range(1, 5)
        ),
        ButtonSpec("MJ::JOB::reroll::0::{uuid}::SOLO", Press.REROLL, emoji="🔄"),
    ),
    _EXTEND,
)
VIDEO_SOLO: tuple[Row, ...] = ((*_EXTEND, *_KEEP),)

CANCEL_ROW: Row = (
    ButtonSpec(
        "MJ::CancelJob::ByJobid::{uuid}", Press.CANCEL, "Cancel Job", style=ButtonStyle.DANGER
    ),
)

# -- /describe and /shorten [ref §3.3] ---------------------------------------------------------
DESCRIBE: tuple[Row, ...] = (
    (
        *(
            ButtonSpec(f"MJ::Job::PicReader::{n}", Press.PIC_READER, emoji=k, index=n)
            for n, k in ((1, "1️⃣"), (2, "2️⃣"), (3, "3️⃣"), (4, "4️⃣"))
        ),
        ButtonSpec("MJ::Picread::Retry", Press.PIC_RETRY, emoji="🔄"),
    ),
    (ButtonSpec("MJ::Job::PicReader::all", Press.PIC_READER_ALL, "Imagine all", "🎉"),),
)
SHORTEN: tuple[Row, ...] = (
    tuple(
        ButtonSpec(f"MJ::Job::PromptAnalyzer::{n}", Press.ANALYZER, emoji=k, index=n)
        for n, k in ((1, "1️⃣"), (2, "2️⃣"), (3, "3️⃣"), (4, "4️⃣"), (5, "5️⃣"))
    ),
)

# -- gates: things a human must press before the job goes on [placeholder ids] ----------------
ACKNOWLEDGE: tuple[Row, ...] = (
    (
        ButtonSpec(
            "MJ::PendingModMessage::Acknowledge::{token}",
            Press.GATE,
            "Acknowledge",
            style=ButtonStyle.PRIMARY,
        ),
    ),
)
VERIFY_CHOICES = ("cat", "bicycle", "lighthouse", "teapot")
VERIFY_ID = "MJ::Verify::{token}::{choice}"


# -- /settings [ref labels and some ids; mode/stealth ids are placeholders] -------------------
@dataclass(frozen=True, slots=True)
class Toggle:
    custom_id: str
    label: str
    setting: str  # which account setting it shows and flips
    emoji: str | None = None


SETTINGS_TOGGLES: tuple[tuple[Toggle, ...], ...] = (
    (
        Toggle("MJ::Settings::Style::raw", "RAW Mode", "raw", "🔧"),
        Toggle("MJ::Settings::Stealth", "Stealth mode", "stealth", "🧍"),
    ),
    (
        Toggle("MJ::Settings::RemixMode", "Remix mode", "remix", "🎛️"),
        Toggle(
            "MJ::Settings::HighVariabilityMode::1", "High Variation Mode", "high_variation", "🎨"
        ),
        Toggle("MJ::Settings::HighVariabilityMode::0", "Low Variation Mode", "low_variation", "🎨"),
    ),
    (
        Toggle("MJ::Settings::TurboMode", "Turbo mode", "turbo", "🚀"),
        Toggle("MJ::Settings::FastMode", "Fast mode", "fast", "🐇"),
        Toggle("MJ::Settings::RelaxMode", "Relax mode", "relax", "🐢"),
    ),
    (Toggle("MJ::Settings::Reset", "Reset Settings", "reset"),),
)
VERSION_SELECT_ID = "MJ::Settings::VersionSelector"
VERSION_CHOICES = (
    ("Midjourney Model V7", "7"),
    ("Midjourney Model V6.1", "6.1"),
    ("Midjourney Model V6.0", "6"),
    ("Midjourney Model V5.2", "5.2"),
    ("Niji Model V6", "niji 6"),
)


# -- modals [ref §3.6; titles are placeholders] ------------------------------------------------
@dataclass(frozen=True, slots=True)
class ModalSpec:
    custom_id: str  # template
    title: str
    input_id: str
    input_label: str


MODALS: dict[str, ModalSpec] = {
    "remix": ModalSpec(
        "MJ::RemixModal::{uuid}::{index}::{strong}",
        "Remix Prompt",
        "MJ::RemixModal::new_prompt",
        "New prompt for image #{index}",
    ),
    "imagine": ModalSpec(
        "MJ::ImagineModal::{message_id}", "Imagine This!", "MJ::ImagineModal::new_prompt", "Prompt"
    ),
    "pan": ModalSpec(
        "MJ::PanModal::{direction}::{uuid}::{index}",
        "Pan {direction}",
        "MJ::PanModal::prompt",
        "Prompt",
    ),
    "animate": ModalSpec(
        "MJ::AnimateModal::{uuid}::{index}::{level}::{extend}",
        "Animate Prompt",
        "MJ::AnimateModal::prompt",
        "Prompt",
    ),
    "custom_zoom": ModalSpec(
        "MJ::OutpaintCustomZoomModal::{uuid}",
        "Zoom Out",
        "MJ::OutpaintCustomZoomModal::prompt",
        "Zoom out prompt",
    ),
    "pic_reader": ModalSpec(
        "MJ::Picreader::Modal::{index}",
        "Imagine This!",
        "MJ::Picreader::Modal::PromptField",
        "Prompt",
    ),
}

# -- iframes [ref §3.6, §3.7] --------------------------------------------------------------------
IFRAME_CUSTOM_ID = "MJ::iframe::{token}"
INPAINT_TITLE = "Vary Region"  # [placeholder]
INPAINT_PATH = "inpaint/?custom_id={token}"  # [placeholder]
CAPTCHA_TITLE = "Action required to continue"  # [ref]
CAPTCHA_PATH = "/captcha/embedded/{token}/"  # [ref: starts with /captcha/embedded/]
