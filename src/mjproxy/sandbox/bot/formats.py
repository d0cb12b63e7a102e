"""Midjourney's words, as data: message contents, labels, embeds, replies (reference §3.3, §3.7).

Everything a client parses lives here and only here. Texts the reference recorded verbatim
are marked [ref]; texts it could not recover (embed descriptions, some replies) are plausible
placeholders marked [placeholder] — clients should key on titles and structure, not on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mjproxy.sandbox.accounts import Mode
from mjproxy.sandbox.config import ContentStyle

# -- colours [ref: trueai comment, erictik, novicezk] ----------------------------------------
COLOR_ERROR = 16711680  # 0xFF0000: fails the task
COLOR_WARNING = 16776960  # 0xFFFF00
COLOR_NOTICE = 16239475  # novicezk logs this colour and keeps waiting
COLOR_SUCCESS = 65280
COLOR_INFO = 5793266

# -- job contents [ref §3.3] -----------------------------------------------------------------
CONTENT_HEAD = "**{prompt}** - {label}<@{user_id}>"
STATUS_WAITING = " (Waiting to start)"
STATUS_PROGRESS = " ({percent}%) ({mode})"
STATUS_DONE = "{website} ({mode})"
STATUS_STOPPED = " (Stopped)"
MODE_WORDS = {Mode.FAST: "fast", Mode.RELAX: "relaxed", Mode.TURBO: "turbo"}
STEALTH_SUFFIX = ", stealth"
WEBSITE_SUFFIX = {
    ContentStyle.CLASSIC: "",
    ContentStyle.WEBSITE_LINK: (
        " [(Open on website for full quality)](<https://midjourney.com/jobs/{uuid}>)"
    ),
    ContentStyle.WEBSITE_PLAIN: " (Open on website for full quality)",
}
SUBTEXT_LINE = (
    "\n-# Create, explore, and organize on "
    "[midjourney.com](<https://midjourney.com/imagine?from_discord=1>)"
)
SHORT_LINK = "<https://s.mj.run/{code}>"
FAILED_CONTENT = "Failed to process your command"  # [ref: content starting "Failed"]
SEED_DM = "**{prompt}**\n**Job ID**: {uuid}\n**seed** {seed}"  # [ref §3.3]
ANIMATE_SUFFIX = " --motion {level} --video 1 --aspect {aspect}"  # [ref: button animate prompts]


class Label(StrEnum):
    """What stands between the prompt and the mention, per job kind [ref §3.3]."""

    NONE = ""
    VARIATIONS = "{verb} ({strength}) by "  # Variations|Remix (Strong|Subtle|Region) by
    ZOOM_OUT = "Zoom Out by "
    PAN = "Pan {direction} by "
    PICKED = "Image #{index} "
    UPSCALING = "Upscaling by "
    UPSCALED = "Upscaled ({strength}) by "
    EXTENDING = "Extending by "  # [placeholder]; the reference only says "extended"
    EXTENDED = "Video extended by "  # [placeholder]
    PICKED_VIDEO = "Video #{index} "  # [placeholder]


# -- embeds [ref titles §3.7; descriptions are placeholders] ------------------------------------
@dataclass(frozen=True, slots=True)
class EmbedText:
    title: str
    description: str
    color: int
    footer: str | None = None


EMBEDS: dict[str, EmbedText] = {
    "banned_prompt": EmbedText(
        "Banned prompt detected",
        "Sorry! Our AI moderators feel your prompt might be against our community standards. "
        "The word `{word}` is not allowed.",
        COLOR_ERROR,
    ),
    "invalid_parameter": EmbedText(
        "Invalid parameter", "Invalid value or unrecognized parameter: `{parameter}`", COLOR_ERROR
    ),
    "invalid_link": EmbedText(
        "Invalid link", "Could not read an image from `{link}`. Please check the link.", COLOR_ERROR
    ),
    "invalid_image": EmbedText(
        "Invalid image", "The attachment is not an image Midjourney can read.", COLOR_ERROR
    ),
    "duplicate_images": EmbedText(
        "Duplicate images detected", "Please use different images for a blend.", COLOR_ERROR
    ),
    "job_not_found": EmbedText(
        "Invalid job ID", "No job with the id `{job_id}` belongs to you.", COLOR_ERROR
    ),
    "queue_full": EmbedText(
        "Queue full",
        "You have reached the maximum number of queued jobs. "
        "Please wait for a job to finish before queuing more.",
        COLOR_ERROR,
    ),
    "job_queued": EmbedText(
        "Job queued",
        "You have reached the maximum allowed number of concurrent jobs. Don't worry, this job "
        "will start as soon as another one finishes!",  # [ref commercial §1.8]
        COLOR_NOTICE,
        footer="{prompt}",
    ),
    "credits_exhausted": EmbedText(
        "Credits exhausted",
        "You have run out of fast hours. Switch to relax mode with `/relax` or buy more time.",
        COLOR_ERROR,
    ),
    "relax_unavailable": EmbedText(
        "Subscription required",
        "Relax mode is not available on your plan. Upgrade to Standard or above to use it.",
        COLOR_ERROR,
    ),
    "subscription_required": EmbedText(
        "Subscription required",
        "To use Midjourney you need an active subscription. Use `/subscribe` to get one.",
        COLOR_ERROR,
    ),
    "blocked": EmbedText(
        "Blocked", "You have been blocked from accessing Midjourney.", COLOR_ERROR
    ),
    "pending_mod": EmbedText(
        "Pending mod message",
        "You have a message from the moderators. Please read it and press Acknowledge to "
        "continue using Midjourney.",
        COLOR_ERROR,
    ),
    "action_needed": EmbedText(
        "Action needed to continue",
        "To continue, please verify you're human: press the button showing **{answer}**.",
        COLOR_WARNING,
    ),
    "action_retry": EmbedText(
        "Action needed to continue",
        "That was not right. Please verify you're human: press the button showing **{answer}**.",
        COLOR_WARNING,
    ),
    "output_filter": EmbedText(
        "Request cancelled due to output filters",
        "Sorry! Our AI moderators detected content in the output that is against our "
        "community standards.",
        COLOR_ERROR,
    ),
}

# -- slash-command replies ---------------------------------------------------------------------
REPLIES: dict[str, str] = {
    # [ref: "/relax … starts with Done!" with this exact relax sentence]
    "relax": "Done! Your jobs now do not consume fast-hours, but might take a little longer. "
    "You can always switch back with /fast",
    "fast": "Done! Your jobs will now use fast mode and consume fast-hours. "  # [placeholder]
    "You can always switch back with /relax",
    "turbo": "Done! Turbo mode is on: your jobs run about 4x faster and use twice the fast-hours. "
    "You can always switch back with /fast",  # [placeholder]
    "remix_on": "Remix mode turned on! You can disable it by running `/prefer remix` again.",
    "remix_off": "Remix mode turned off! You can enable it by running `/prefer remix` again.",
    "settings": "Adjust your settings here. Current suffix:  `{suffix}`",  # [placeholder]
}

# -- /info [ref §3.3 sample lines] --------------------------------------------------------------
INFO_TITLE = "Your info - {username}"
INFO_LINES = (
    "**Subscription**: {plan} (Active monthly, renews next on <t:{renews}>)",
    "**Job Mode**: {job_mode}",
    "**Visibility Mode**: {visibility}",
    "**Fast Time Remaining**: {fast_left:.2f}/{fast_total:.1f} hours ({fast_percent:.2f}%)",
    "**Lifetime Usage**: {lifetime} images ({lifetime_hours:.2f} hours)",
    "**Relaxed Usage**: {relaxed} images ({relaxed_hours:.2f} hours)",
    "",
    "**Queued Jobs (fast)**: {queued_fast}",
    "**Queued Jobs (relax)**: {queued_relax}",
    "**Running Jobs**: {running}",
)

# -- /describe and /shorten [ref §3.3] ---------------------------------------------------------
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
DESCRIBE_STYLES = (
    "dreamscape in {colour} tones with soft volumetric light, digital painting",
    "{colour} abstract shapes floating in fog, minimalist poster art",
    "quiet landscape at dusk in {colour} hues, cinematic still, 35mm film",
    "ornate {colour} pattern study, highly detailed illustration",
)
DESCRIBE_LINE = "{keycap} {text} --ar {aspect}"
SHORTEN_DESCRIPTION = "**Important tokens**\n{tokens}\n\n**Shortened prompts**\n{prompts}"
SHORTEN_FOOTER = "Click on a button to imagine one of the shortened prompts"  # [ref]
