"""Whole dispatches → typed events, with payload shapes from discord-protocol.md §3–4."""

from __future__ import annotations

from typing import Any

import pytest

from mjproxy.engines.discord.events import (
    CommandReply,
    DescribeResult,
    FailedText,
    IframeModalOpened,
    ImageMessage,
    InfoReport,
    InteractionEvent,
    InteractionPhase,
    JobMessage,
    JobStage,
    MessageDeleted,
    ModalOpened,
    Notice,
    OtherMessage,
    SeedReport,
    SettingsReport,
    ShortenResult,
)
from mjproxy.engines.discord.formats import JobKind, NoticeEffect, NoticeKind
from mjproxy.engines.discord.messages import parse_dispatch

UUID = "6243686b-7ab1-4174-a9fe-527cca66a829"
MJ = {"id": "936929561302675456", "username": "Midjourney Bot", "bot": True}


def message(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "900", "channel_id": "10", "author": MJ, "flags": 0}
    base.update(fields)
    return base


def grid_components() -> list[dict[str, Any]]:
    ups = [
        {"type": 2, "custom_id": f"MJ::JOB::upsample::{i}::{UUID}", "label": f"U{i}", "style": 2}
        for i in range(1, 5)
    ]
    return [{"type": 1, "components": ups}]


def test_start_message_carries_nonce_and_interaction() -> None:
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(
            type=20,
            content="**rain --v 6.1** - <@1127612768489578560> (Waiting to start)",
            nonce="1234567890123456789",
            interaction={"id": "777", "type": 2, "name": "imagine"},
            interaction_metadata={"id": "777", "type": 2, "name": "imagine"},
        ),
    )
    assert isinstance(event, JobMessage)
    assert event.stage is JobStage.STARTED
    assert (event.envelope.nonce, event.envelope.interaction_id) == ("1234567890123456789", "777")
    assert event.envelope.interaction_name == "imagine"


def test_progress_update_has_percent_preview_and_hash() -> None:
    preview = f"https://cdn.discordapp.com/attachments/10/5/{UUID}_grid_0.webp"
    event = parse_dispatch(
        "MESSAGE_UPDATE",
        message(content="**cat** - <@1> (46%) (fast)", attachments=[{"url": preview}]),
    )
    assert isinstance(event, JobMessage)
    assert (event.stage, event.percent, event.image_url, event.job_hash) == (
        JobStage.PROGRESS,
        46,
        preview,
        UUID,
    )
    assert event.envelope.is_update


def test_result_has_image_hash_buttons_and_reply_reference() -> None:
    url = f"https://cdn.discordapp.com/attachments/10/6/bob_cat_{UUID}.png?ex=1&is=2&hm=3&"
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(
            type=19,
            content="**cat** - Variations (Strong) by <@1> (fast)",
            attachments=[{"url": url, "filename": f"bob_cat_{UUID}.png", "width": 2048}],
            components=grid_components(),
            message_reference={"message_id": "555", "channel_id": "10"},
            interaction_metadata={"id": "778", "type": 3},
        ),
    )
    assert isinstance(event, JobMessage)
    assert (event.stage, event.kind, event.detail) == (JobStage.RESULT, JobKind.VARIATION, "Strong")
    assert (event.image_url, event.job_hash, event.mode) == (url, UUID, "fast")
    assert [b.label for b in event.buttons] == ["U1", "U2", "U3", "U4"]
    assert event.envelope.referenced_message_id == "555"


def test_video_result_exposes_video_url() -> None:
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(
            content="**car --ar 3:2 --video 1** - <@1> (fast)",
            attachments=[{"url": f"https://cdn/a/1/2/{UUID}_0.mp4", "content_type": "video/mp4"}],
        ),
    )
    assert isinstance(event, JobMessage)
    assert event.stage is JobStage.RESULT
    assert event.video_url is not None
    assert event.job_hash == UUID


def test_describe_result_lists_four_prompts() -> None:
    text = "1️⃣ a red cat --ar 1:1\n\n2️⃣ a cat in red\n\n3️⃣ crimson feline\n\n4️⃣ cat, red"
    buttons = [
        {"type": 2, "custom_id": f"MJ::Job::PicReader::{i}", "emoji": {"name": "1️⃣"}}
        for i in range(1, 5)
    ]
    event = parse_dispatch(
        "MESSAGE_UPDATE",
        message(
            embeds=[{"type": "rich", "description": text, "image": {"url": "https://cdn/x.png"}}],
            components=[{"type": 1, "components": buttons}],
            interaction={"id": "9", "name": "describe"},
        ),
    )
    assert isinstance(event, DescribeResult)
    assert event.prompts == ("a red cat --ar 1:1", "a cat in red", "crimson feline", "cat, red")
    assert event.image_url == "https://cdn/x.png"
    assert len(event.buttons) == 4


def test_describe_without_buttons_recognised_by_interaction_name() -> None:
    event = parse_dispatch(
        "MESSAGE_UPDATE",
        message(
            embeds=[{"description": "1️⃣ one\n\n2️⃣ two", "image": {"url": "u"}}],
            interaction={"id": "9", "name": "describe"},
        ),
    )
    assert isinstance(event, DescribeResult)
    assert event.prompts == ("one", "two")


def test_shorten_result() -> None:
    description = (
        "**IMPORTANT TOKENS**\ncat, red\n\n**Shortened prompts**\n1️⃣ red cat\n2️⃣ cat red\n"
        "3️⃣ cat\n4️⃣ red\n5️⃣ a cat"
    )
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(
            nonce="5",
            embeds=[
                {
                    "description": description,
                    "footer": {"text": "Click on a button to imagine one of the shortened prompts"},
                }
            ],
        ),
    )
    assert isinstance(event, ShortenResult)
    assert event.prompts == ("red cat", "cat red", "cat", "red", "a cat")


def test_info_report_reads_facts() -> None:
    description = (
        "**Subscription**: Pro (Active yearly, renews next on <t:1715321361>)\n**Job Mode**: Fast\n"
        "**Visibility Mode**: Stealth\n**Fast Time Remaining**: 29.57/30.0 hours (98.58%)\n"
        "**Lifetime Usage**: 102 images (1.77 hours)\n**Relaxed Usage**: 19 images (0.29 hours)\n\n"
        "**Queued Jobs (fast)**: 0\n**Queued Jobs (relax)**: 0\n**Running Jobs**: None"
    )
    event = parse_dispatch(
        "MESSAGE_UPDATE",
        message(embeds=[{"title": "Your info - bob", "description": description, "color": 0}]),
    )
    assert isinstance(event, InfoReport)
    assert event.facts.fast_time_remaining_h == pytest.approx(29.57)
    assert event.facts.job_mode == "Fast"
    assert event.facts.subscription is not None
    assert event.facts.subscription.startswith("Pro")
    assert not event.facts.fast_exhausted
    assert event.fields["Running Jobs"] == "None"


def test_info_trial_minutes_and_exhaustion() -> None:
    description = "**Fast Time Remaining**: 6.00 minutes"
    event = parse_dispatch(
        "MESSAGE_CREATE", message(embeds=[{"title": "Your info", "description": description}])
    )
    assert isinstance(event, InfoReport)
    assert event.facts.fast_time_remaining_h == pytest.approx(0.1)
    assert event.facts.fast_exhausted


def test_settings_panel_reads_remix_and_version() -> None:
    components = [
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": "MJ::Settings::VersionSelector",
                    "options": [
                        {"label": "Midjourney Model V6.1", "value": "6.1", "default": True},
                        {"label": "Midjourney Model V7", "value": "7"},
                    ],
                }
            ],
        },
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "custom_id": "MJ::Settings::RemixMode",
                    "label": "Remix mode",
                    "style": 3,
                },
                {
                    "type": 2,
                    "custom_id": "MJ::Settings::Style::raw",
                    "label": "RAW Mode",
                    "style": 2,
                },
            ],
        },
    ]
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(flags=64, components=components, interaction={"id": "1", "name": "settings"}),
    )
    assert isinstance(event, SettingsReport)
    assert (event.remix, event.version) == (True, "6.1")


def test_seed_dm() -> None:
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(content=f"**girl**\n**Job ID**: {UUID}\n**seed** 1259687673", channel_id="77"),
    )
    assert isinstance(event, SeedReport)
    assert (event.job_hash, event.seed) == (UUID, "1259687673")


@pytest.mark.parametrize(
    ("title", "color", "kind", "effect"),
    [
        ("Banned prompt detected", 16711680, NoticeKind.BANNED_PROMPT, NoticeEffect.FAIL_TASK),
        ("Invalid parameter", 16711680, NoticeKind.INVALID_PARAMETER, NoticeEffect.FAIL_TASK),
        ("Queue full", 16711680, NoticeKind.QUEUE_FULL, NoticeEffect.FAIL_TASK),
        ("Job queued", 16776960, NoticeKind.JOB_QUEUED, NoticeEffect.WAIT),
        ("Credits exhausted", 16711680, NoticeKind.CREDITS_EXHAUSTED, NoticeEffect.FAST_EXHAUSTED),
        ("Pending mod message", 16711680, NoticeKind.PENDING_MOD_MESSAGE, NoticeEffect.QUARANTINE),
        ("Action needed to continue", 16776960, NoticeKind.ACTION_NEEDED, NoticeEffect.QUARANTINE),
        ("Blocked", 16711680, NoticeKind.BLOCKED, NoticeEffect.DISABLE),
        ("Subscription required", 16711680, NoticeKind.SUBSCRIPTION_REQUIRED, NoticeEffect.DISABLE),
        ("Plan Cancelled", 16711680, NoticeKind.PLAN_CANCELLED, NoticeEffect.DISABLE),
        ("Invalid link!", 16711680, NoticeKind.INVALID_LINK, NoticeEffect.FAIL_TASK),
        ("Something strange", 16711680, NoticeKind.OTHER_ERROR, NoticeEffect.FAIL_TASK),
        ("Could not complete: error", 0, NoticeKind.OTHER_ERROR, NoticeEffect.FAIL_TASK),
        ("Fun fact", 65280, NoticeKind.OTHER, NoticeEffect.WAIT),
    ],
)
def test_notice_embeds(title: str, color: int, kind: NoticeKind, effect: NoticeEffect) -> None:
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(
            nonce="42", embeds=[{"title": title, "description": "Details here.", "color": color}]
        ),
    )
    assert isinstance(event, Notice)
    assert (event.kind, event.effect) == (kind, effect)
    assert event.reason == f"[{title}] Details here."
    assert event.envelope.nonce == "42"


def test_captcha_embed_by_description() -> None:
    event = parse_dispatch(
        "MESSAGE_CREATE",
        message(embeds=[{"title": "Please continue", "description": "Please verify you're human"}]),
    )
    assert isinstance(event, Notice)
    assert event.kind is NoticeKind.CAPTCHA


def test_failed_content_and_command_replies() -> None:
    failed = parse_dispatch(
        "MESSAGE_CREATE", message(content="Failed to process your command :(", nonce="1")
    )
    assert isinstance(failed, FailedText)
    assert failed.text.startswith("Failed to process")
    remix = parse_dispatch("MESSAGE_CREATE", message(content="Remix mode turned on! You can …"))
    assert isinstance(remix, CommandReply)
    assert remix.remix is True
    done = parse_dispatch("MESSAGE_CREATE", message(content="Done! Your jobs now do not consume"))
    assert isinstance(done, CommandReply)
    assert done.remix is None


def test_plain_image_message_and_other() -> None:
    image = parse_dispatch(
        "MESSAGE_CREATE",
        message(content="", attachments=[{"url": f"https://cdn/a/1/2/{UUID}.png"}], nonce="3"),
    )
    assert isinstance(image, ImageMessage)
    assert image.job_hash == UUID
    other = parse_dispatch("MESSAGE_CREATE", message(content="", nonce="4"))
    assert isinstance(other, OtherMessage)
    assert other.envelope.nonce == "4"


def test_interaction_events() -> None:
    created = parse_dispatch("INTERACTION_CREATE", {"id": "11", "nonce": "22"})
    assert created == InteractionEvent(InteractionPhase.CREATED, "11", "22", None)
    failed = parse_dispatch("INTERACTION_FAILURE", {"id": "11", "nonce": "22", "reason_code": 2})
    assert isinstance(failed, InteractionEvent)
    assert failed.reason_code == 2


def test_modal_create_lists_text_inputs() -> None:
    event = parse_dispatch(
        "INTERACTION_MODAL_CREATE",
        {
            "id": "31",
            "nonce": "32",
            "channel_id": "10",
            "custom_id": f"MJ::OutpaintCustomZoomModal::{UUID}",
            "title": "Zoom Out",
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "custom_id": "MJ::OutpaintCustomZoomModal::prompt",
                            "value": "cat --zoom 2",
                        }
                    ],
                }
            ],
        },
    )
    assert isinstance(event, ModalOpened)
    assert event.custom_id == f"MJ::OutpaintCustomZoomModal::{UUID}"
    assert [(i.custom_id, i.value) for i in event.inputs] == [
        ("MJ::OutpaintCustomZoomModal::prompt", "cat --zoom 2")
    ]


def test_iframe_modal_and_captcha() -> None:
    inpaint = parse_dispatch(
        "INTERACTION_IFRAME_MODAL_CREATE",
        {
            "id": "1",
            "nonce": "2",
            "custom_id": "MJ::iframe::tok",
            "title": "Vary Region",
            "iframe_path": "/inpaint/index.html",
        },
    )
    assert isinstance(inpaint, IframeModalOpened)
    assert not inpaint.is_captcha
    captcha = parse_dispatch(
        "INTERACTION_IFRAME_MODAL_CREATE",
        {
            "id": "1",
            "custom_id": "x",
            "title": "Action required to continue",
            "iframe_path": "/captcha/embedded/abc",
        },
    )
    assert isinstance(captcha, IframeModalOpened)
    assert captcha.is_captcha


def test_delete_and_noise() -> None:
    assert parse_dispatch("MESSAGE_DELETE", {"id": "5", "channel_id": "10"}) == MessageDeleted(
        "5", "10"
    )
    assert parse_dispatch("PRESENCE_UPDATE", {"user": {}}) is None
    assert parse_dispatch("MESSAGE_CREATE", None) is None
