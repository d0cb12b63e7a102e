"""Job message contents at each stage, assembled from the templates in formats.py."""

from __future__ import annotations

from enum import StrEnum

from mjproxy.sandbox.bot import formats
from mjproxy.sandbox.bot.jobs import Job
from mjproxy.sandbox.config import Switches


class Stage(StrEnum):
    WAITING = "waiting"
    PROGRESS = "progress"
    DONE = "done"
    STOPPED = "stopped"


def mode_word(job: Job) -> str:
    word = formats.MODE_WORDS[job.mode]
    if job.account.settings.stealth and job.account.limits.stealth:
        word += formats.STEALTH_SUFFIX
    return word


def job_content(job: Job, stage: Stage, switches: Switches, *, percent: int = 0) -> str:
    """E.g. `**cat** - Variations (Strong) by <@1> (31%) (fast)` (reference §3.3)."""
    spec = job.spec
    label = spec.done_label if stage == Stage.DONE else spec.running_label
    head = formats.CONTENT_HEAD.format(
        prompt=job.prompt, label=label.value.format(**job.labels), user_id=job.account.user_id
    )
    if not spec.progress:  # U1–U4: "**cat** - Image #1 <@1>", no status
        return head + (formats.SUBTEXT_LINE if switches.subtext_line else "")
    if stage == Stage.WAITING:
        return head + formats.STATUS_WAITING
    if stage == Stage.STOPPED:
        return head + formats.STATUS_STOPPED
    if stage == Stage.PROGRESS:
        return head + formats.STATUS_PROGRESS.format(percent=percent, mode=mode_word(job))
    style = switches.content_style if spec.website_link else type(switches.content_style).CLASSIC
    website = formats.WEBSITE_SUFFIX[style].format(uuid=job.uuid)
    done = head + formats.STATUS_DONE.format(website=website, mode=mode_word(job))
    return done + (formats.SUBTEXT_LINE if switches.subtext_line else "")


def seed_content(job: Job) -> str:
    return formats.SEED_DM.format(prompt=job.prompt, uuid=job.uuid, seed=job.seed)
