"""The Midjourney message parser: gateway dispatches → typed events.

`parse_dispatch` is the one entry point. It reads a dispatch (MESSAGE_*, INTERACTION_*)
and returns the event it means, or None for noise. Which texts mean what is data in
`formats.py`; this module only applies those tables in a fixed, explicit order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from mjproxy.domain.task import Button
from mjproxy.engines.discord import formats
from mjproxy.engines.discord.content import (
    iter_components,
    job_hash_from_url,
    media_urls,
    parse_buttons,
    parse_job_line,
)
from mjproxy.engines.discord.events import (
    CommandReply,
    DescribeResult,
    Envelope,
    FailedText,
    GatewayEvent,
    IframeModalOpened,
    ImageMessage,
    InfoReport,
    InteractionEvent,
    InteractionPhase,
    JobMessage,
    MessageDeleted,
    MessageEvent,
    ModalInput,
    ModalOpened,
    Notice,
    OtherMessage,
    SeedReport,
    SettingsReport,
    ShortenResult,
)
from mjproxy.engines.discord.formats import NoticeEffect, NoticeKind
from mjproxy.engines.discord.info import parse_info
from mjproxy.engines.discord.payloads import Component, Embed, Message
from mjproxy.engines.discord.payloads import InteractionEvent as RawInteraction


def parse_dispatch(name: str, data: Any) -> GatewayEvent | None:
    """The event a gateway dispatch means, or None when the engine does not care."""
    parser = _DISPATCH_PARSERS.get(name)
    if parser is None or not isinstance(data, dict):
        return None
    return parser(data)


def parse_message(message: Message, *, is_update: bool = False) -> MessageEvent:
    """Classify one message. The order matters: specific shapes before generic ones."""
    envelope = parse_envelope(message, is_update=is_update)
    content = message.get("content", "") or ""
    buttons = parse_buttons(message.get("components", []))
    seed = formats.SEED.search(content)
    if seed is not None:
        return SeedReport(envelope, job_hash=seed["job"], seed=seed["seed"])
    embeds = message.get("embeds", [])
    if embeds:
        from_embed = _parse_embed(envelope, embeds[0], buttons)
        if from_embed is not None:
            return from_embed
    if any(b.custom_id.startswith(formats.SETTINGS_PREFIX) for b in buttons):
        return _parse_settings(envelope, message.get("components", []), buttons)
    return _parse_content(envelope, message, content, buttons)


def parse_envelope(message: Message, *, is_update: bool = False) -> Envelope:
    metadata = message.get("interaction_metadata") or message.get("interaction") or {}
    reference = message.get("message_reference") or {}
    nonce = message.get("nonce")
    mention = formats.MENTION.search(message.get("content", "") or "")
    user = (metadata.get("user") or {}).get("id") or (mention["user"] if mention else None)
    return Envelope(
        message_id=str(message.get("id", "")),
        channel_id=str(message.get("channel_id", "")),
        nonce=str(nonce) if nonce not in (None, "") else None,
        interaction_id=metadata.get("id"),
        interaction_name=metadata.get("name"),
        referenced_message_id=reference.get("message_id"),
        author_id=(message.get("author") or {}).get("id"),
        user_id=user,
        flags=int(message.get("flags") or 0),
        is_update=is_update,
    )


def _parse_content(
    envelope: Envelope, message: Message, content: str, buttons: tuple[Button, ...]
) -> MessageEvent:
    image_url, video_url = media_urls(message.get("attachments", []))
    line = parse_job_line(content)
    if line is not None:
        return JobMessage(
            envelope,
            stage=line.stage(has_media=bool(image_url or video_url)),
            kind=line.kind,
            prompt=line.prompt,
            index=line.index,
            detail=line.detail,
            percent=line.percent,
            mode=line.mode,
            image_url=image_url,
            video_url=video_url,
            job_hash=job_hash_from_url(video_url or image_url),
            buttons=buttons,
        )
    text = content.strip()
    if formats.FAILED_CONTENT.match(text):
        return FailedText(envelope, text)
    remix = formats.REMIX_REPLY.search(text)
    if remix is not None:
        return CommandReply(envelope, text, remix=remix["state"].lower() == "on")
    if formats.MODE_REPLY.match(text):
        return CommandReply(envelope, text)
    if image_url is not None:
        return ImageMessage(envelope, image_url, job_hash_from_url(image_url), buttons)
    return OtherMessage(envelope, content)


def _parse_embed(
    envelope: Envelope, embed: Embed, buttons: tuple[Button, ...]
) -> MessageEvent | None:
    title = (embed.get("title") or "").strip()
    description = (embed.get("description") or "").strip()
    if formats.INFO_TITLE in title.lower():
        fields, facts = parse_info(description)
        return InfoReport(envelope, fields, facts)
    if _is_describe(envelope, embed, buttons):
        prompts = _keycap_lines(description)
        image = (embed.get("image") or {}).get("url")
        return DescribeResult(envelope, prompts, description, image, buttons)
    if _is_shorten(embed, buttons):
        return ShortenResult(envelope, _keycap_lines(description), description, buttons)
    if not title and not description:
        return None
    return _parse_notice(envelope, embed, title, description, buttons)


def _is_describe(envelope: Envelope, embed: Embed, buttons: tuple[Button, ...]) -> bool:
    if any(b.custom_id.startswith(formats.DESCRIBE_BUTTON_PREFIX) for b in buttons):
        return True
    description = embed.get("description") or ""
    return envelope.interaction_name == "describe" and bool(_keycap_lines(description))


def _is_shorten(embed: Embed, buttons: tuple[Button, ...]) -> bool:
    if any(b.custom_id.startswith(formats.SHORTEN_BUTTON_PREFIX) for b in buttons):
        return True
    text = (embed.get("description") or "") + ((embed.get("footer") or {}).get("text") or "")
    return any(marker in text for marker in formats.SHORTEN_MARKERS)


def _keycap_lines(description: str) -> tuple[str, ...]:
    prompts: list[str] = []
    for line in description.splitlines():
        found = formats.KEYCAP_LINE.match(line)
        if found is not None:
            prompts.append(found["text"])
    return tuple(prompts)


def _parse_notice(
    envelope: Envelope, embed: Embed, title: str, description: str, buttons: tuple[Button, ...]
) -> Notice:
    kind, effect = classify_notice(title, description, embed.get("color"))
    return Notice(envelope, kind, effect, title, description, buttons)


def classify_notice(
    title: str, description: str, color: int | None
) -> tuple[NoticeKind, NoticeEffect]:
    """Which notice an embed is, by title first, then by colour and wording."""
    lowered = title.lower().strip().rstrip("!.")
    for rule in formats.NOTICE_RULES:
        if lowered.startswith(rule.title_prefix):
            return rule.kind, rule.effect
    if "continue" in lowered and formats.CAPTCHA_DESCRIPTION.search(description):
        return NoticeKind.CAPTCHA, NoticeEffect.QUARANTINE
    if color == formats.COLOR_ERROR or any(w in lowered for w in formats.ERROR_TITLE_WORDS):
        return NoticeKind.OTHER_ERROR, NoticeEffect.FAIL_TASK
    return NoticeKind.OTHER, NoticeEffect.WAIT


def _parse_settings(
    envelope: Envelope, components: list[Component], buttons: tuple[Button, ...]
) -> SettingsReport:
    remix: bool | None = None
    version: str | None = None
    for component in iter_components(components):
        custom_id = component.get("custom_id", "")
        if custom_id == formats.SETTINGS_REMIX:
            remix = component.get("style") == formats.STYLE_SUCCESS
        elif custom_id == formats.SETTINGS_VERSION:
            chosen = [o for o in component.get("options", []) if o.get("default")]
            if chosen:
                version = chosen[0].get("value") or chosen[0].get("label")
    return SettingsReport(envelope, remix=remix, version=version, buttons=buttons)


def _message_created(data: dict[str, Any]) -> GatewayEvent:
    return parse_message(cast(Message, data))


def _message_updated(data: dict[str, Any]) -> GatewayEvent:
    return parse_message(cast(Message, data), is_update=True)


def _message_deleted(data: dict[str, Any]) -> GatewayEvent:
    return MessageDeleted(str(data.get("id", "")), str(data.get("channel_id", "")))


def _interaction(phase: InteractionPhase) -> Callable[[dict[str, Any]], GatewayEvent]:
    def parse(data: dict[str, Any]) -> GatewayEvent:
        raw = cast(RawInteraction, data)
        code = raw.get("reason_code")
        return InteractionEvent(phase, str(raw.get("id", "")), _nonce(raw), code)

    return parse


def _modal_created(data: dict[str, Any]) -> GatewayEvent:
    raw = cast(RawInteraction, data)
    inputs = tuple(
        ModalInput(c.get("custom_id", ""), str(c.get("value", "") or ""))
        for c in iter_components(raw.get("components", []))
        if c.get("type") == 4
    )
    return ModalOpened(
        str(raw.get("id", "")), _nonce(raw), raw.get("custom_id", ""), raw.get("title", ""), inputs
    )


def _iframe_modal_created(data: dict[str, Any]) -> GatewayEvent:
    raw = cast(RawInteraction, data)
    return IframeModalOpened(
        str(raw.get("id", "")),
        _nonce(raw),
        raw.get("custom_id", ""),
        raw.get("title", ""),
        raw.get("iframe_path", ""),
    )


def _nonce(raw: RawInteraction) -> str | None:
    nonce = raw.get("nonce")
    return str(nonce) if nonce not in (None, "") else None


_DISPATCH_PARSERS: dict[str, Callable[[dict[str, Any]], GatewayEvent]] = {
    "MESSAGE_CREATE": _message_created,
    "MESSAGE_UPDATE": _message_updated,
    "MESSAGE_DELETE": _message_deleted,
    "INTERACTION_CREATE": _interaction(InteractionPhase.CREATED),
    "INTERACTION_SUCCESS": _interaction(InteractionPhase.SUCCEEDED),
    "INTERACTION_FAILURE": _interaction(InteractionPhase.FAILED),
    "INTERACTION_MODAL_CREATE": _modal_created,
    "INTERACTION_IFRAME_MODAL_CREATE": _iframe_modal_created,
}
