# ruff: noqa: E501  (the pattern tables read best one button per line)
import pytest

from mjproxy.domain.custom_ids import ButtonKind, ModalNeed, parse_custom_id
from mjproxy.domain.errors import UnknownCustomId
from mjproxy.domain.task import TaskAction

H = "82c51c9d-bc33-4c07-a471-36c3dcb1a6f0"


@pytest.mark.parametrize(
    ("custom_id", "kind", "index", "detail", "action", "modal"),
    [
        (f"MJ::JOB::upsample::1::{H}", ButtonKind.UPSCALE, 1, "", TaskAction.UPSCALE, "never"),
        (
            f"MJ::JOB::variation::3::{H}",
            ButtonKind.VARIATION,
            3,
            "",
            TaskAction.VARIATION,
            "when_remix",
        ),
        (
            f"MJ::JOB::reroll::0::{H}::SOLO",
            ButtonKind.REROLL,
            0,
            "",
            TaskAction.REROLL,
            "when_remix",
        ),
        (
            f"MJ::JOB::low_variation::1::{H}::SOLO",
            ButtonKind.LOW_VARIATION,
            1,
            "",
            TaskAction.LOW_VARIATION,
            "when_remix",
        ),
        (
            f"MJ::JOB::high_variation::1::{H}::SOLO",
            ButtonKind.HIGH_VARIATION,
            1,
            "",
            TaskAction.HIGH_VARIATION,
            "when_remix",
        ),
        (f"MJ::Outpaint::50::1::{H}::SOLO", ButtonKind.ZOOM_OUT, 1, "50", TaskAction.ZOOM, "never"),
        (f"MJ::Outpaint::75::1::{H}::SOLO", ButtonKind.ZOOM_OUT, 1, "75", TaskAction.ZOOM, "never"),
        (f"MJ::CustomZoom::{H}", ButtonKind.CUSTOM_ZOOM, 1, "", TaskAction.CUSTOM_ZOOM, "always"),
        (
            f"MJ::CustomZoom::1::{H}",
            ButtonKind.CUSTOM_ZOOM,
            1,
            "",
            TaskAction.CUSTOM_ZOOM,
            "always",
        ),
        (
            f"MJ::JOB::pan_left::1::{H}::SOLO",
            ButtonKind.PAN,
            1,
            "left",
            TaskAction.PAN,
            "when_remix",
        ),
        (
            f"MJ::JOB::upsample_v6_2x_subtle::1::{H}::SOLO",
            ButtonKind.UPSCALE_HD,
            1,
            "v6_2x_subtle",
            TaskAction.UPSCALE_HD,
            "never",
        ),
        (
            f"MJ::JOB::upsample_v7_2x_creative::1::{H}::SOLO",
            ButtonKind.UPSCALE_HD,
            1,
            "v7_2x_creative",
            TaskAction.UPSCALE_HD,
            "never",
        ),
        (
            f"MJ::JOB::upsample_v5_2x::1::{H}::SOLO",
            ButtonKind.UPSCALE_HD,
            1,
            "v5_2x",
            TaskAction.UPSCALE_HD,
            "never",
        ),
        (f"MJ::Inpaint::1::{H}::SOLO", ButtonKind.INPAINT, 1, "", TaskAction.INPAINT, "always"),
        (
            f"MJ::JOB::animate_high::1::{H}::SOLO",
            ButtonKind.ANIMATE,
            1,
            "high",
            TaskAction.VIDEO,
            "when_remix",
        ),
        (
            f"MJ::JOB::animate_low_extend::1::{H}",
            ButtonKind.ANIMATE_EXTEND,
            1,
            "low",
            TaskAction.VIDEO,
            "when_remix",
        ),
        (
            f"MJ::JOB::video_virtual_upscale::2::{H}",
            ButtonKind.VIDEO_UPSCALE,
            2,
            "",
            TaskAction.UPSCALE,
            "never",
        ),
        ("MJ::Job::PicReader::2", ButtonKind.PIC_READER, 2, "2", TaskAction.IMAGINE, "always"),
        ("MJ::Picread::Retry", ButtonKind.PIC_READ_RETRY, 1, "", TaskAction.DESCRIBE, "never"),
        (
            "MJ::Job::PromptAnalyzer::3",
            ButtonKind.PROMPT_ANALYZER,
            3,
            "",
            TaskAction.IMAGINE,
            "always",
        ),
    ],
)
def test_every_known_pattern_resolves(
    custom_id: str, kind: ButtonKind, index: int, detail: str, action: TaskAction, modal: str
) -> None:
    parsed = parse_custom_id(custom_id)
    assert (parsed.kind, parsed.index, parsed.detail) == (kind, index, detail)
    assert parsed.task_action is action
    assert parsed.modal is ModalNeed(modal)


@pytest.mark.parametrize(
    "custom_id",
    [
        f"MJ::JOB::upsample::1::{H}",
        f"MJ::JOB::variation::4::{H}",
        f"MJ::JOB::reroll::0::{H}::SOLO",
        f"MJ::Outpaint::50::1::{H}::SOLO",
        f"MJ::CustomZoom::{H}",
        f"MJ::JOB::pan_down::1::{H}::SOLO",
        f"MJ::JOB::upsample_v6r1_2x_subtle::1::{H}::SOLO",
        f"MJ::Inpaint::1::{H}::SOLO",
        f"MJ::JOB::animate_high_extend::1::{H}",
        "MJ::Job::PicReader::1",
        "MJ::Job::PromptAnalyzer::2",
    ],
)
def test_build_round_trips_the_canonical_form(custom_id: str) -> None:
    parsed = parse_custom_id(custom_id)
    assert parsed.build(H) == custom_id


def test_synthesized_id_with_random_hash_presses_the_same_button() -> None:
    synthesized = parse_custom_id("MJ::JOB::upsample::3::0000-random")
    real = parse_custom_id(f"MJ::JOB::upsample::3::{H}")
    assert synthesized.same_button(real)
    assert synthesized.build(H) == f"MJ::JOB::upsample::3::{H}"


@pytest.mark.parametrize(
    "custom_id", ["", "hello", "MJ::JOB::upsample::9::x", "MJ::JOB::frobnicate::1::x", "MJ"]
)
def test_unknown_patterns_raise_naming_the_id(custom_id: str) -> None:
    with pytest.raises(UnknownCustomId) as caught:
        parse_custom_id(custom_id)
    assert repr(custom_id) in str(caught.value)


# The rest of discord-protocol.md §3.5–3.6 and trueai.md §3, one line each:
# (custom id, kind, index, detail, action, modal need, starts a job).
MORE = [
    (f"MJ::Outpaint::100::1::{H}::SOLO", ButtonKind.ZOOM_OUT, 1, "100", TaskAction.ZOOM, "never", True),
    (f"MJ::JOB::upsample_max::1::{H}::SOLO", ButtonKind.UPSCALE_HD, 1, "upsample_max", TaskAction.UPSCALE_HD, "never", True),
    (f"MJ::JOB::upsample_v5_4x::1::{H}::SOLO", ButtonKind.UPSCALE_HD, 1, "v5_4x", TaskAction.UPSCALE_HD, "never", True),
    (f"MJ::JOB::upsample_v6_2x_creative::1::{H}::SOLO", ButtonKind.UPSCALE_HD, 1, "v6_2x_creative", TaskAction.UPSCALE_HD, "never", True),
    (f"MJ::JOB::upsample_v6r1_2x_creative::1::{H}::SOLO", ButtonKind.UPSCALE_HD, 1, "v6r1_2x_creative", TaskAction.UPSCALE_HD, "never", True),
    (f"MJ::JOB::upsample_v7_2x_subtle::1::{H}::SOLO", ButtonKind.UPSCALE_HD, 1, "v7_2x_subtle", TaskAction.UPSCALE_HD, "never", True),
    (f"MJ::JOB::variation::1::{H}::SOLO", ButtonKind.VARIATION, 1, "", TaskAction.VARIATION, "when_remix", True),
    (f"MJ::JOB::pan_left::1::{H}::SOLO", ButtonKind.PAN, 1, "left", TaskAction.PAN, "when_remix", True),
    (f"MJ::JOB::pan_right::1::{H}::SOLO", ButtonKind.PAN, 1, "right", TaskAction.PAN, "when_remix", True),
    (f"MJ::JOB::pan_up::1::{H}::SOLO", ButtonKind.PAN, 1, "up", TaskAction.PAN, "when_remix", True),
    (f"MJ::JOB::pan_down::1::{H}::SOLO", ButtonKind.PAN, 1, "down", TaskAction.PAN, "when_remix", True),
    (f"MJ::JOB::animate_low::1::{H}::SOLO", ButtonKind.ANIMATE, 1, "low", TaskAction.VIDEO, "when_remix", True),
    (f"MJ::JOB::animate_high_extend::1::{H}", ButtonKind.ANIMATE_EXTEND, 1, "high", TaskAction.VIDEO, "when_remix", True),
    (f"MJ::JOB::video_virtual_upscale::4::{H}", ButtonKind.VIDEO_UPSCALE, 4, "", TaskAction.UPSCALE, "never", True),
    ("MJ::Job::PicReader::all", ButtonKind.PIC_READER, 1, "all", TaskAction.IMAGINE, "always", True),
    ("MJ::Job::PromptAnalyzer::0", ButtonKind.PROMPT_ANALYZER, 0, "", TaskAction.IMAGINE, "always", True),
    (f"MJ::BOOKMARK::{H}", ButtonKind.BOOKMARK, 1, "", TaskAction.IMAGINE, "never", False),
    (f"MJ::CancelJob::ByJobid::{H}", ButtonKind.CANCEL_JOB, 1, "", TaskAction.IMAGINE, "never", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("custom_id", "kind", "index", "detail", "action", "modal", "is_job"), MORE
)
def test_every_other_reference_pattern_resolves(
    custom_id: str,
    kind: ButtonKind,
    index: int,
    detail: str,
    action: TaskAction,
    modal: str,
    is_job: bool,
) -> None:
    parsed = parse_custom_id(custom_id)
    assert (parsed.kind, parsed.index, parsed.detail) == (kind, index, detail)
    assert (parsed.task_action, parsed.modal, parsed.is_job) == (action, ModalNeed(modal), is_job)
    if parsed.is_job:
        assert parse_custom_id(parsed.build(H)).same_button(parsed)
