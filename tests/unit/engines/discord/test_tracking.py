"""What each event means for a tracked task."""

from __future__ import annotations

from mjproxy.domain.task import TaskAction, TaskStatus
from mjproxy.engines.discord.events import (
    DescribeResult,
    Envelope,
    IframeModalOpened,
    JobMessage,
    JobStage,
    MessageDeleted,
    ModalInput,
    ModalOpened,
    Notice,
)
from mjproxy.engines.discord.formats import JobKind, NoticeEffect, NoticeKind
from mjproxy.engines.discord.tracking import TrackedTask, prompt_key

ENV = Envelope(message_id="m", channel_id="c", nonce="n")


def tracked(**kw: object) -> TrackedTask:
    return TrackedTask(task_id="t", action=TaskAction.CUSTOM_ZOOM, channel_id="c", **kw)  # type: ignore[arg-type]


def test_prompt_key_ignores_params_links_and_spacing() -> None:
    assert prompt_key("<https://s.mj.run/abc> A  cat --v 6.1") == prompt_key(
        "https://cdn.discordapp.com/x.png a cat --ar 1:1"
    )


def test_modal_is_submitted_with_the_clients_prompt() -> None:
    t = tracked(modal_prompt="cat --zoom 1.8")
    modal = ModalOpened(
        "i",
        "n",
        "MJ::OutpaintCustomZoomModal::h",
        "Zoom",
        (ModalInput("MJ::OutpaintCustomZoomModal::prompt", "cat --zoom 2"),),
    )
    reaction = t.handle(modal)
    assert reaction.modal is not None
    assert reaction.modal.values == (("MJ::OutpaintCustomZoomModal::prompt", "cat --zoom 1.8"),)
    assert t.interaction_ids == ["i"]


def test_modal_without_client_prompt_submits_midjourneys_prefill() -> None:
    reaction = tracked().handle(
        ModalOpened(
            "i",
            "n",
            "MJ::RemixModal::h::1::1",
            "Remix",
            (ModalInput("MJ::RemixModal::new_prompt", "cat"),),
        )
    )
    assert reaction.modal is not None
    assert reaction.modal.values == (("MJ::RemixModal::new_prompt", "cat"),)


def test_iframe_modal_asks_for_inpaint_submit_or_fails_on_captcha() -> None:
    assert (
        tracked().handle(IframeModalOpened("i", "n", "MJ::iframe::tok", "Vary", "/inpaint/")).iframe
        is not None
    )
    captcha = tracked().handle(
        IframeModalOpened("i", "n", "x", "Action required to continue", "/captcha/embedded/a")
    )
    assert captcha.updates[0].status is TaskStatus.FAILURE
    assert "captcha" in (captcha.updates[0].fail_reason or "")


def test_stopped_job_fails_with_midjourneys_reason() -> None:
    reaction = tracked().handle(JobMessage(ENV, JobStage.STOPPED, JobKind.ZOOM, "cat"))
    assert reaction.updates[0].status is TaskStatus.FAILURE
    assert "Stopped" in (reaction.updates[0].fail_reason or "")
    assert reaction.done


def test_job_queued_keeps_the_task_waiting() -> None:
    notice = Notice(ENV, NoticeKind.JOB_QUEUED, NoticeEffect.WAIT, "Job queued", "Starts soon.")
    reaction = tracked().handle(notice)
    assert reaction.updates[0].status is None
    assert reaction.updates[0].description == "[Job queued] Starts soon."
    assert not reaction.done


def test_describe_result_sets_final_prompt_and_image() -> None:
    reaction = tracked().handle(
        DescribeResult(ENV, ("one", "two", "three", "four"), "x", "https://i")
    )
    update = reaction.updates[0]
    assert update.status is TaskStatus.SUCCESS
    assert update.final_prompt == "one\n\ntwo\n\nthree\n\nfour"
    assert update.image_url == "https://i"


def test_deleted_progress_message_is_watched_not_failed() -> None:
    reaction = tracked().handle(MessageDeleted("m", "c"))
    assert reaction.watch_deletion
    assert reaction.updates == []


def test_nothing_happens_after_the_task_is_done() -> None:
    t = tracked()
    t.handle(JobMessage(ENV, JobStage.STOPPED, JobKind.ZOOM, "cat"))
    assert (
        t.handle(JobMessage(ENV, JobStage.PROGRESS, JobKind.ZOOM, "cat", percent=50)).updates == []
    )
