"""Pieces of a Midjourney message: the job line, attachments' job hash, buttons."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from mjproxy.domain.task import Button
from mjproxy.engines.discord import formats
from mjproxy.engines.discord.events import JobStage
from mjproxy.engines.discord.formats import JobKind
from mjproxy.engines.discord.payloads import Attachment, Component


@dataclass(frozen=True, slots=True)
class JobLine:
    """The parsed first line of a job message: `**prompt** - <label> <@user> (status)…`."""

    prompt: str
    kind: JobKind
    index: int | None
    detail: str
    percent: int | None
    mode: str | None
    waiting: bool
    stopped: bool

    def stage(self, *, has_media: bool) -> JobStage:
        if self.stopped:
            return JobStage.STOPPED
        if self.waiting:
            return JobStage.STARTED
        if self.percent is not None and not (has_media and self.percent >= 100):
            return JobStage.PROGRESS
        return JobStage.RESULT if has_media else JobStage.PROGRESS


def parse_job_line(content: str) -> JobLine | None:
    """Parse the job line of `content`, or None when it is not one (old and new formats)."""
    first = content.strip().split("\n", 1)[0].strip()
    match = formats.CONTENT.match(first)
    if match is None:
        return None
    tail = match["tail"]
    mention = formats.MENTION.search(tail)
    if mention is None:
        return None
    found = _label_of(match["lead"].strip(), tail[: mention.start()].strip())
    if found is None:
        return None
    kind, index, detail = found
    percent, mode, waiting, stopped = _statuses(tail[mention.end() :])
    return JobLine(
        prompt=match["prompt"].strip(),
        kind=kind,
        index=index,
        detail=detail,
        percent=percent,
        mode=mode,
        waiting=waiting,
        stopped=stopped,
    )


def _label_of(lead: str, label: str) -> tuple[JobKind, int | None, str] | None:
    if lead:
        for pattern, kind in formats.LEGACY_LEADS:
            legacy = pattern.match(lead)
            if legacy is not None:
                return kind, int(legacy["index"]), ""
        return None
    for pattern, kind in formats.LABELS:
        labelled = pattern.match(label)
        if labelled is None:
            continue
        groups = labelled.groupdict()
        index = groups.get("index")
        return kind, int(index) if index else None, groups.get("detail") or ""
    return None


def _statuses(rest: str) -> tuple[int | None, str | None, bool, bool]:
    rest = formats.MARKDOWN_LINK.sub(" ", rest)
    percent: int | None = None
    mode: str | None = None
    waiting = stopped = False
    for group in formats.PARENTHESISED.findall(rest):
        text = group.strip()
        if formats.STATUS_WAITING.match(text):
            waiting = True
        elif formats.STATUS_STOPPED.match(text):
            stopped = True
        elif (number := formats.STATUS_PERCENT.match(text)) is not None:
            percent = int(number["percent"])
        elif (speed := formats.STATUS_MODE.match(text)) is not None:
            mode = speed["mode"].lower()
    return percent, mode, waiting, stopped


def job_hash_from_url(url: str | None) -> str | None:
    """The job uuid in an attachment URL or filename (query string ignored)."""
    if not url:
        return None
    path = urlsplit(url).path or url
    name = path.rsplit("/", 1)[-1]
    for rule, whole_path in formats.HASH_RULES:
        found = rule.search(path if whole_path else name)
        if found is not None:
            return found["hash"]
    return None


def media_urls(attachments: list[Attachment]) -> tuple[str | None, str | None]:
    """The first image URL and the first video URL among `attachments`."""
    image: str | None = None
    video: str | None = None
    for attachment in attachments:
        url = attachment.get("url") or attachment.get("proxy_url")
        if not url:
            continue
        kind = _media_kind(attachment, url)
        if kind == "video" and video is None:
            video = url
        elif kind == "image" and image is None:
            image = url
    return image, video


def _media_kind(attachment: Attachment, url: str) -> str:
    content_type = attachment.get("content_type", "")
    name = (attachment.get("filename") or urlsplit(url).path).lower()
    if content_type.startswith("video/") or name.endswith(formats.VIDEO_EXTENSIONS):
        return "video"
    if content_type.startswith("image/") or name.endswith(formats.IMAGE_EXTENSIONS):
        return "image"
    return "other"


def parse_buttons(components: list[Component]) -> tuple[Button, ...]:
    """Every button with a custom id, in row order (link buttons have none and are left out)."""
    buttons: list[Button] = []
    for row in components:
        for component in row.get("components", []):
            custom_id = component.get("custom_id")
            if component.get("type") != 2 or not custom_id:
                continue
            emoji = component.get("emoji") or {}
            buttons.append(
                Button(
                    custom_id=custom_id,
                    emoji=emoji.get("name", "") or "",
                    label=component.get("label", "") or "",
                    type=2,
                    style=int(component.get("style", 2)),
                )
            )
    return tuple(buttons)


def iter_components(components: list[Component]) -> list[Component]:
    """All leaf components under action rows and label wrappers, depth first."""
    leaves: list[Component] = []
    for component in components:
        children = component.get("components")
        wrapped = component.get("component")
        if children:
            leaves.extend(iter_components(children))
        elif wrapped:
            leaves.extend(iter_components([wrapped]))
        else:
            leaves.append(component)
    return leaves
