"""Every Midjourney message format the parser understands, as data.

Midjourney changes its wording without notice. Each format lives here once — content
regexes, job labels, embed titles and what they mean, hash rules, `/info` keys — so a new
format is a new row, not a new branch in the parser. Sources: reference/discord-protocol.md
§3.3–3.8 and novicezk.md §4.4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from mjproxy.domain.task import BotType, TaskAction

BOT_APPLICATION_IDS: dict[BotType, str] = {
    BotType.MID_JOURNEY: "936929561302675456",
    BotType.NIJI_JOURNEY: "1022952195194359889",
}
BOT_USERNAME_MARKER = "journey Bot"

COLOR_ERROR = 0xFF0000
COLOR_WARNING = 0xFFFF00
COLOR_WARNING_OLD = 0xF7CB73


class JobKind(StrEnum):
    """What kind of Midjourney job a content line speaks about (from its label)."""

    IMAGINE = "imagine"  # also reroll, blend, video: they share the imagine format
    UPSCALE = "upscale"  # "Image #n"
    UPSCALE_HD = "upscale_hd"
    VARIATION = "variation"
    REMIX = "remix"
    PAN = "pan"
    ZOOM = "zoom"
    EXTEND = "extend"  # video extend / animate follow-ups
    OTHER = "other"  # a label we do not know yet: strong keys still route it


# Which job lines may finish a task of each action; used only when weak keys (reply
# reference, prompt) decide, never against a nonce, interaction id or job hash.
ACTION_JOB_KINDS: dict[TaskAction, frozenset[JobKind]] = {
    TaskAction.IMAGINE: frozenset({JobKind.IMAGINE}),
    TaskAction.BLEND: frozenset({JobKind.IMAGINE}),
    TaskAction.VIDEO: frozenset({JobKind.IMAGINE, JobKind.EXTEND}),
    TaskAction.REROLL: frozenset({JobKind.IMAGINE, JobKind.VARIATION, JobKind.REMIX}),
    TaskAction.UPSCALE: frozenset({JobKind.UPSCALE}),
    TaskAction.UPSCALE_HD: frozenset({JobKind.UPSCALE_HD}),
    TaskAction.VARIATION: frozenset({JobKind.VARIATION, JobKind.REMIX}),
    TaskAction.LOW_VARIATION: frozenset({JobKind.VARIATION, JobKind.REMIX}),
    TaskAction.HIGH_VARIATION: frozenset({JobKind.VARIATION, JobKind.REMIX}),
    TaskAction.INPAINT: frozenset({JobKind.VARIATION, JobKind.REMIX}),
    TaskAction.PAN: frozenset({JobKind.PAN, JobKind.REMIX}),
    TaskAction.ZOOM: frozenset({JobKind.ZOOM, JobKind.REMIX}),
    TaskAction.CUSTOM_ZOOM: frozenset({JobKind.ZOOM, JobKind.REMIX}),
}

# `**<prompt>** - <tail>` on the first line; the prompt is greedy because prompts may
# contain single asterisks, and newer messages add a second `-# …` line we ignore.
CONTENT = re.compile(r"^(?P<lead>.*?)\*\*(?P<prompt>.*)\*\*\s+-\s+(?P<tail>.*)$")
MENTION = re.compile(r"<@!?(?P<user>\d+)>")
PARENTHESISED = re.compile(r"\(([^()]*)\)")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(<?[^)]*>?\)")

# Label before the mention → job kind; `index` and `detail` groups are optional.
LABELS: tuple[tuple[re.Pattern[str], JobKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"^Image #(?P<index>\d+)$", JobKind.UPSCALE),
        (r"^Video #(?P<index>\d+)$", JobKind.UPSCALE),
        (r"^Upscal(?:ed|ing)(?:\s*\((?P<detail>[^)]*)\))?\s*by$", JobKind.UPSCALE_HD),
        (r"^Variations(?:\s*\((?P<detail>Strong|Subtle|Region)\))?\s*by$", JobKind.VARIATION),
        (r"^Remix(?:\s*\((?P<detail>Strong|Subtle|Region)\))?\s*by$", JobKind.REMIX),
        (r"^Pan (?P<detail>Left|Right|Up|Down) by$", JobKind.PAN),
        (r"^Zoom Out by$", JobKind.ZOOM),
        (
            r"^(?:Video )?(?:[Ee]xtend(?:ed|ing)|Animat(?:ed|ing))"
            r"(?: \((?P<detail>[^)]*)\))? by$",
            JobKind.EXTEND,
        ),
        (r"^$", JobKind.IMAGINE),
        (r"^[A-Z][\w ]*?(?:\s*\((?P<detail>[^)]*)\))?\s*by$", JobKind.OTHER),
    )
)

# Text before the prompt in the pre-2023-08 formats (novicezk ≤ v2.4).
LEGACY_LEADS: tuple[tuple[re.Pattern[str], JobKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"^Upscaling image #(?P<index>\d+) with$", JobKind.UPSCALE),
        (r"^Making variations for image #(?P<index>\d+) with prompt$", JobKind.VARIATION),
    )
)

STATUS_WAITING = re.compile(r"^Waiting to start$", re.IGNORECASE)
STATUS_STOPPED = re.compile(r"^Stopped$", re.IGNORECASE)
STATUS_PERCENT = re.compile(r"^(?P<percent>\d{1,3})%$")
STATUS_MODE = re.compile(r"^(?P<mode>fast|relaxed|relax|turbo)(?:,\s*stealth)?$", re.IGNORECASE)

FAILED_CONTENT = re.compile(r"^Failed\b", re.IGNORECASE)
MODE_REPLY = re.compile(r"^Done!", re.IGNORECASE)
REMIX_REPLY = re.compile(r"Remix mode turned (?P<state>on|off)", re.IGNORECASE)
SEED = re.compile(r"\*\*Job ID\*\*:\s*(?P<job>[a-fA-F0-9-]{36})\s*\*\*seed\*\*\s*(?P<seed>\d+)")


class NoticeEffect(StrEnum):
    """What a Midjourney notice means for the task and for the account."""

    FAIL_TASK = "fail_task"
    WAIT = "wait"  # informational: the job is still coming
    FAST_EXHAUSTED = "fast_exhausted"
    QUARANTINE = "quarantine"
    DISABLE = "disable"


class NoticeKind(StrEnum):
    BANNED_PROMPT = "banned_prompt"
    INVALID_PARAMETER = "invalid_parameter"
    INVALID_PROMPT = "invalid_prompt"
    INVALID_LINK = "invalid_link"
    OUTPUT_FILTERED = "output_filtered"
    DUPLICATE_IMAGES = "duplicate_images"
    QUEUE_FULL = "queue_full"
    JOB_QUEUED = "job_queued"
    CREDITS_EXHAUSTED = "credits_exhausted"
    PENDING_MOD_MESSAGE = "pending_mod_message"
    ACTION_NEEDED = "action_needed"
    CAPTCHA = "captcha"
    TOS_NOT_ACCEPTED = "tos_not_accepted"
    BLOCKED = "blocked"
    PLAN_CANCELLED = "plan_cancelled"
    SUBSCRIPTION_REQUIRED = "subscription_required"
    SUBSCRIPTION_PAUSED = "subscription_paused"
    OTHER_ERROR = "other_error"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class NoticeRule:
    title_prefix: str  # lower case; matched against the start of the embed title
    kind: NoticeKind
    effect: NoticeEffect


NOTICE_RULES: tuple[NoticeRule, ...] = tuple(
    NoticeRule(prefix, kind, effect)
    for prefix, kind, effect in (
        ("banned prompt", NoticeKind.BANNED_PROMPT, NoticeEffect.FAIL_TASK),
        ("invalid parameter", NoticeKind.INVALID_PARAMETER, NoticeEffect.FAIL_TASK),
        ("invalid prompt", NoticeKind.INVALID_PROMPT, NoticeEffect.FAIL_TASK),
        ("invalid link", NoticeKind.INVALID_LINK, NoticeEffect.FAIL_TASK),
        ("request cancelled due to output", NoticeKind.OUTPUT_FILTERED, NoticeEffect.FAIL_TASK),
        ("duplicate images detected", NoticeKind.DUPLICATE_IMAGES, NoticeEffect.FAIL_TASK),
        ("queue full", NoticeKind.QUEUE_FULL, NoticeEffect.FAIL_TASK),
        ("job queued", NoticeKind.JOB_QUEUED, NoticeEffect.WAIT),
        ("credits exhausted", NoticeKind.CREDITS_EXHAUSTED, NoticeEffect.FAST_EXHAUSTED),
        ("pending mod message", NoticeKind.PENDING_MOD_MESSAGE, NoticeEffect.QUARANTINE),
        ("action needed to continue", NoticeKind.ACTION_NEEDED, NoticeEffect.QUARANTINE),
        ("action required to continue", NoticeKind.CAPTCHA, NoticeEffect.QUARANTINE),
        ("tos not accepted", NoticeKind.TOS_NOT_ACCEPTED, NoticeEffect.QUARANTINE),
        ("blocked", NoticeKind.BLOCKED, NoticeEffect.DISABLE),
        ("plan cancelled", NoticeKind.PLAN_CANCELLED, NoticeEffect.DISABLE),
        ("subscription required", NoticeKind.SUBSCRIPTION_REQUIRED, NoticeEffect.DISABLE),
        ("subscription paused", NoticeKind.SUBSCRIPTION_PAUSED, NoticeEffect.DISABLE),
    )
)
# Unlisted titles with these words are errors (trueai's rule); red embeds too.
ERROR_TITLE_WORDS: tuple[str, ...] = ("invalid", "error", "denied", "failed", "cannot")
CAPTCHA_DESCRIPTION = re.compile(r"verify you(?:'|’)re human", re.IGNORECASE)
CAPTCHA_IFRAME_PATH = "/captcha/"

INFO_TITLE = "your info"
INFO_LINE = re.compile(r"^\*\*(?P<key>[^*]+?)\*\*:\s*(?P<value>.*)$")
INFO_FAST_TIME = re.compile(
    r"^(?P<amount>\d+(?:\.\d+)?)\s*(?:/\s*\d+(?:\.\d+)?)?\s*(?P<unit>hours?|minutes?)", re.I
)
INFO_KEYS = {
    "subscription": "Subscription",
    "job_mode": "Job Mode",
    "visibility": "Visibility Mode",
    "fast_time": "Fast Time Remaining",
    "lifetime_usage": "Lifetime Usage",
    "relaxed_usage": "Relaxed Usage",
}
# Fast time at or below this many hours counts as exhausted (trueai uses 0.2 h).
FAST_EXHAUSTED_BELOW_H = 0.2

SETTINGS_PREFIX = "MJ::Settings::"
SETTINGS_REMIX = "MJ::Settings::RemixMode"
SETTINGS_VERSION = "MJ::Settings::VersionSelector"
STYLE_SUCCESS = 3  # green toggle = on

DESCRIBE_BUTTON_PREFIX = "MJ::Job::PicReader::"
SHORTEN_BUTTON_PREFIX = "MJ::Job::PromptAnalyzer::"
SHORTEN_MARKERS: tuple[str, ...] = ("Shortened prompts", "shortened prompts")
KEYCAP_LINE = re.compile(r"^\s*(?P<digit>\d)\ufe0f?\u20e3\s*(?P<text>.+?)\s*$")

# Job hash (= the job's uuid) from an attachment URL, in the order public proxies use
# (novicezk getMessageHash, trueai, erictik); the first rule that matches wins. The flag
# says whether a rule reads the whole path (`<uuid>/0_0.png`) or only the file name.
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
HASH_RULES: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (re.compile(pattern), whole_path)
    for pattern, whole_path in (
        (rf"(?P<hash>{UUID})(?:_\d+)*(?:_step_\d+)?\.(?:png|webp|jpe?g|gif|mp4)$", False),
        (rf"(?P<hash>{UUID})/\d+_\d+\.(?:png|webp|jpe?g)$", True),
        (rf"(?P<hash>{UUID})", False),
        (r"^(?P<hash>.+)_grid_0\.webp$", False),
        (r"_(?P<hash>[^_]+)\.[A-Za-z0-9]+$", False),
    )
)

IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".webp", ".jpg", ".jpeg", ".gif")
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".webm", ".mov")

# Modal text inputs whose value is the prompt, by the modal custom id's prefix.
MODAL_PROMPT_INPUTS: tuple[str, ...] = (
    "MJ::RemixModal::new_prompt",
    "MJ::OutpaintCustomZoomModal::prompt",
    "MJ::PanModal::prompt",
    "MJ::ImagineModal::new_prompt",
    "MJ::AnimateModal::prompt",
    "MJ::Picreader::Modal::PromptField",
)
IFRAME_CUSTOM_ID_PREFIX = "MJ::iframe::"
INPAINT_SUBMIT_PATH = "/inpaint/api/submit-job"

# Blend's `dimensions` option per the API's enum (novicezk).
BLEND_DIMENSIONS = {"PORTRAIT": "--ar 2:3", "SQUARE": "--ar 1:1", "LANDSCAPE": "--ar 3:2"}
SEED_EMOJI = "✉️"
