"""Job lines, job hashes and buttons, from the formats quoted in discord-protocol.md §3."""

from __future__ import annotations

import pytest

from mjproxy.engines.discord.content import job_hash_from_url, parse_buttons, parse_job_line
from mjproxy.engines.discord.events import JobStage
from mjproxy.engines.discord.formats import JobKind

UUID = "f58fa448-1620-4aca-9621-005ef9f3b383"


def test_waiting_to_start_line_is_a_start() -> None:
    line = parse_job_line("**rain --v 6.1** - <@1127612768489578560> (Waiting to start)")
    assert line is not None
    assert (line.prompt, line.kind, line.stage(has_media=False)) == (
        "rain --v 6.1",
        JobKind.IMAGINE,
        JobStage.STARTED,
    )


def test_progress_line_reads_percent_and_mode() -> None:
    line = parse_job_line("**Baby, :: --ar 1:1 --v 5.2** - <@1012670791755771985> (31%) (fast)")
    assert line is not None
    assert (line.prompt, line.percent, line.mode) == ("Baby, :: --ar 1:1 --v 5.2", 31, "fast")
    assert line.stage(has_media=True) is JobStage.PROGRESS


@pytest.mark.parametrize(
    ("content", "mode"),
    [
        ("**cat** - <@1012983546824114217> (relaxed)", "relaxed"),
        ("**cat** - <@1> (fast, stealth)", "fast"),
        (
            "**cat** - <@1> [(Open on website for full quality)](<https://midjourney.com/jobs/x>)"
            " (fast)",
            "fast",
        ),
        ("**cat** - <@1> (Open on website for full quality) (turbo)", "turbo"),
    ],
)
def test_imagine_results_in_old_and_new_formats(content: str, mode: str) -> None:
    line = parse_job_line(content)
    assert line is not None
    assert (line.prompt, line.kind, line.mode) == ("cat", JobKind.IMAGINE, mode)
    assert line.stage(has_media=True) is JobStage.RESULT


def test_second_line_is_ignored() -> None:
    content = "**cat** - <@1> (fast)\n-# Create, explore, and organize on [midjourney.com](<x>)"
    line = parse_job_line(content)
    assert line is not None
    assert line.mode == "fast"


@pytest.mark.parametrize(
    ("content", "kind", "index", "detail"),
    [
        ("**cat** - Image #3 <@1>", JobKind.UPSCALE, 3, ""),
        ("**cat** - Upscaled by <@1> (fast)", JobKind.UPSCALE_HD, None, ""),
        ("**cat** - Upscaled (Beta) by <@1> (fast)", JobKind.UPSCALE_HD, None, "Beta"),
        ("**girl** - Upscaled (Subtle) by <@123> (relaxed)", JobKind.UPSCALE_HD, None, "Subtle"),
        ("**girl** - Upscaled (Creative) by <@123> (fast)", JobKind.UPSCALE_HD, None, "Creative"),
        ("**cat** - Variations (Strong) by <@1> (fast)", JobKind.VARIATION, None, "Strong"),
        ("**cat** - Variations (Region) by <@1> (fast)", JobKind.VARIATION, None, "Region"),
        ("**cat** - Variations by <@1> (relaxed)", JobKind.VARIATION, None, ""),
        (
            "**car --ar 16:9 --v 6.0** - Remix (Subtle) by <@1> (relaxed)",
            JobKind.REMIX,
            None,
            "Subtle",
        ),
        ("**car --relax --ar 17:31** - Pan Up by <@1> (relaxed)", JobKind.PAN, None, "Up"),
        ("**forest --v 6.0 --ar 16:9** - Zoom Out by <@1> (relaxed)", JobKind.ZOOM, None, ""),
        ("Upscaling image #1 with **cat** - <@1> (Waiting to start)", JobKind.UPSCALE, 1, ""),
        (
            "Making variations for image #2 with prompt **cat** - <@1> (Waiting to start)",
            JobKind.VARIATION,
            2,
            "",
        ),
    ],
)
def test_labels_name_the_job_kind(
    content: str, kind: JobKind, index: int | None, detail: str
) -> None:
    line = parse_job_line(content)
    assert line is not None
    assert (line.kind, line.index, line.detail) == (kind, index, detail)


def test_hd_upscale_progress() -> None:
    line = parse_job_line("**girl** - Upscaling by <@123> (31%) (fast)")
    assert line is not None
    assert (line.kind, line.percent) == (JobKind.UPSCALE_HD, 31)
    assert line.stage(has_media=True) is JobStage.PROGRESS


def test_stopped_line() -> None:
    line = parse_job_line("**prompt** - <@1> (Stopped)")
    assert line is not None
    assert line.stage(has_media=True) is JobStage.STOPPED


def test_blend_prompt_with_links_and_empty_prompt() -> None:
    line = parse_job_line(
        "**<https://s.mj.run/JWu6jaL1D-8> <https://s.mj.run/QhfnQY-l68o> --v 5.1** - <@1> (relaxed)"
    )
    assert line is not None
    assert line.prompt.endswith("--v 5.1")
    empty = parse_job_line("**** - <@1> (fast)")
    assert empty is not None
    assert empty.prompt == ""


@pytest.mark.parametrize("content", ["hello", "Done! Your jobs now do not consume fast-hours", ""])
def test_non_job_content_is_not_a_job_line(content: str) -> None:
    assert parse_job_line(content) is None


@pytest.mark.parametrize(
    "url",
    [
        f"https://cdn.discordapp.com/attachments/1/2/camcooke_high_definition_photo_{UUID}.png"
        "?ex=65&is=65&hm=ab&",
        f"https://cdn.discordapp.com/attachments/1/2/{UUID}_grid_0.webp",
        f"https://media.discordapp.net/ephemeral-attachments/1/2/{UUID}_3_step_7.jpeg",
        f"https://cdn.discordapp.com/attachments/1/2/{UUID}_0.mp4",
        f"https://cdn.midjourney.com/{UUID}/0_0.png",
    ],
)
def test_job_hash_from_every_url_shape(url: str) -> None:
    assert job_hash_from_url(url) == UUID


def test_job_hash_fallbacks() -> None:
    assert job_hash_from_url("https://x/attachments/1/2/abc123_grid_0.webp") == "abc123"
    assert job_hash_from_url("https://x/attachments/1/2/user_a_cat_82c51c9d.png") == "82c51c9d"
    assert job_hash_from_url("https://x/attachments/1/2/plain.png") is None
    assert job_hash_from_url(None) is None


def test_buttons_keep_rows_and_skip_link_buttons() -> None:
    components = [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "custom_id": f"MJ::JOB::upsample::1::{UUID}",
                    "label": "U1",
                    "style": 2,
                },
                {
                    "type": 2,
                    "custom_id": f"MJ::JOB::reroll::0::{UUID}::SOLO",
                    "emoji": {"name": "🔄"},
                    "style": 2,
                },
            ],
        },
        {"type": 1, "components": [{"type": 2, "style": 5, "label": "Web", "url": "https://x"}]},
    ]
    buttons = parse_buttons(components)  # type: ignore[arg-type]
    assert [(b.custom_id, b.label, b.emoji) for b in buttons] == [
        (f"MJ::JOB::upsample::1::{UUID}", "U1", ""),
        (f"MJ::JOB::reroll::0::{UUID}::SOLO", "", "🔄"),
    ]


@pytest.mark.parametrize(
    ("content", "kind", "index"),
    [
        ("**car --video 1** - Video #2 <@1>", JobKind.UPSCALE, 2),
        ("**car --video 1** - Video extended by <@1> (fast)", JobKind.EXTEND, None),
        ("**car --video 1** - Extending by <@1> (31%) (fast)", JobKind.EXTEND, None),
        ("**car** - Reimagined (Wild) by <@1> (fast)", JobKind.OTHER, None),
    ],
)
def test_video_and_unknown_labels_still_parse(
    content: str, kind: JobKind, index: int | None
) -> None:
    line = parse_job_line(content)
    assert line is not None
    assert (line.kind, line.index) == (kind, index)
