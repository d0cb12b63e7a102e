"""Button actions, change / simple-change, and the MODAL → /submit/modal flow."""

from __future__ import annotations

import pytest

from mjproxy.domain.account import AccountState
from mjproxy.domain.task import TaskStatus
from mjproxy.engines.base import AccountEvent
from tests.harness import App, StartApp, account
from tests.images import data_uri
from tests.scripted_engine import upscale_buttons


async def upscaled(app: App, prompt: str = "a red mug") -> tuple[str, str]:
    """A finished task offering the buttons of an upscaled image: (task id, job hash)."""
    task_id = await app.imagine(prompt)
    await app.engine.next_job()
    job_hash = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    await app.engine.succeed(
        task_id,
        buttons=upscale_buttons(job_hash),
        job_hash=job_hash,
        final_prompt=f"{prompt} --v 6",
    )
    return task_id, job_hash


async def test_an_action_creates_a_child_job_for_the_pressed_button(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await app.finished_imagine("a cat")
        reply = await app.submit(
            "/mj/submit/action",
            {"taskId": parent_id, "customId": f"MJ::JOB::upsample::2::{job_hash}"},
        )
        job = await app.engine.next_job()
        child = await app.fetch(reply["result"])
    assert reply["code"] == 1
    assert job.task.id == reply["result"]
    assert job.parent is not None
    assert job.parent.id == parent_id
    assert job.button is not None
    assert job.button.index == 2
    assert child["action"] == "UPSCALE"
    assert child["description"] == f"/up {parent_id} U2"


async def test_a_synthesized_id_gets_the_parents_real_hash(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await app.finished_imagine()
        await app.submit(
            "/mj/submit/action",
            {"taskId": parent_id, "customId": "MJ::JOB::variation::3::random-uuid-from-client"},
        )
        job = await app.engine.next_job()
    assert job.task.custom_id == f"MJ::JOB::variation::3::{job_hash}"


@pytest.mark.parametrize(
    ("custom_id", "action", "code"),
    [
        ("MJ::JOB::upsample_v6_2x_subtle::1::h::SOLO", "UPSCALE_HD", 1),
        ("MJ::JOB::high_variation::1::h::SOLO", "HIGH_VARIATION", 1),
        ("MJ::JOB::low_variation::1::h::SOLO", "LOW_VARIATION", 1),
        ("MJ::Outpaint::50::1::h::SOLO", "ZOOM", 1),
        ("MJ::Outpaint::75::1::h::SOLO", "ZOOM", 1),
        ("MJ::JOB::pan_left::1::h::SOLO", "PAN", 1),
        ("MJ::JOB::animate_high::1::h::SOLO", "VIDEO", 1),
        ("MJ::CustomZoom::h", "CUSTOM_ZOOM", 21),
        ("MJ::Inpaint::1::h::SOLO", "INPAINT", 21),
    ],
)
async def test_upscaled_image_buttons_resolve_by_structure(
    start_app: StartApp, custom_id: str, action: str, code: int
) -> None:
    async with start_app() as app:
        parent_id, _ = await upscaled(app)
        reply = await app.submit("/mj/submit/action", {"taskId": parent_id, "customId": custom_id})
        child = await app.fetch(reply["result"])
    assert reply["code"] == code
    assert child["action"] == action


@pytest.mark.parametrize(
    ("custom_id", "action"),
    [("MJ::JOB::upsample::4::h", "UPSCALE"), ("MJ::JOB::reroll::0::h::SOLO", "REROLL")],
)
async def test_grid_buttons_resolve_by_structure(
    start_app: StartApp, custom_id: str, action: str
) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        reply = await app.submit("/mj/submit/action", {"taskId": parent_id, "customId": custom_id})
        child = await app.fetch(reply["result"])
    assert child["action"] == action


async def test_a_button_the_parent_does_not_offer_is_code_4(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        reply = await app.submit(
            "/mj/submit/action", {"taskId": parent_id, "customId": "MJ::JOB::pan_up::1::h::SOLO"}
        )
    assert reply["code"] == 4
    assert "matches no button of task" in reply["description"]


async def test_a_button_that_starts_no_job_is_code_4(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app)
        reply = await app.submit(
            "/mj/submit/action", {"taskId": parent_id, "customId": f"MJ::BOOKMARK::{job_hash}"}
        )
    assert reply["code"] == 4
    assert "starts no new task" in reply["description"]


async def test_an_unknown_custom_id_is_code_4_naming_it(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        reply = await app.submit("/mj/submit/action", {"taskId": parent_id, "customId": "U1"})
    assert reply["code"] == 4
    assert "'U1'" in reply["description"]


async def test_an_action_on_an_unfinished_task_is_code_4_and_stores_nothing(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        parent_id = await app.imagine()
        reply = await app.submit(
            "/mj/submit/action", {"taskId": parent_id, "customId": "MJ::JOB::upsample::1::h"}
        )
        _, total = await app.services.queries.recent(limit=1, offset=0)
    assert reply["code"] == 4
    assert "finished with SUCCESS" in reply["description"]
    assert total == 1


async def test_an_action_on_a_failed_task_is_code_4(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id = await app.imagine()
        await app.engine.next_job()
        await app.engine.fail(parent_id, "banned")
        reply = await app.submit(
            "/mj/submit/change", {"taskId": parent_id, "action": "UPSCALE", "index": 1}
        )
    assert reply["code"] == 4


async def test_an_action_on_an_unknown_task_is_code_3(start_app: StartApp) -> None:
    async with start_app() as app:
        reply = await app.submit(
            "/mj/submit/action", {"taskId": "1234567890", "customId": "MJ::JOB::upsample::1::h"}
        )
    assert reply["code"] == 3
    assert "1234567890" in reply["description"]


async def test_the_child_inherits_account_prompt_and_bot_type(start_app: StartApp) -> None:
    two_accounts = [account("acc-1"), account("acc-2")]
    async with start_app(accounts=two_accounts) as app:
        parent_id = await app.imagine(
            "a niji cat", botType="NIJI_JOURNEY", accountFilter={"instanceId": "acc-2"}
        )
        await app.engine.next_job()
        await app.engine.succeed(parent_id)
        reply = await app.submit(
            "/mj/submit/change", {"taskId": parent_id, "action": "UPSCALE", "index": 1}
        )
        job = await app.engine.next_job()
        child = await app.fetch(reply["result"])
    assert job.account.id == "acc-2"
    assert child["properties"]["discordInstanceId"] == "acc-2"
    assert child["prompt"] == "a niji cat"
    assert child["botType"] == "NIJI_JOURNEY"


async def test_a_follow_up_stays_on_the_parents_account_even_when_another_is_idle(
    start_app: StartApp,
) -> None:
    two_accounts = [account("acc-1"), account("acc-2")]
    async with start_app(accounts=two_accounts) as app:
        parent_id = await app.imagine("a", accountFilter={"instanceId": "acc-1"})
        await app.engine.next_job()
        await app.engine.succeed(parent_id)
        busy = [await app.imagine("b", accountFilter={"instanceId": "acc-1"}) for _ in range(2)]
        reply = await app.submit("/mj/submit/simple-change", {"content": f"{parent_id} V1"})
    assert len(busy) == 2
    assert reply["properties"]["discordInstanceId"] == "acc-1"


async def test_a_follow_up_whose_account_is_unavailable_is_code_3(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        await app.engine.sinks.accounts(
            AccountEvent("acc-1", state=AccountState.QUARANTINED, reason="captcha")
        )
        reply = await app.submit("/mj/submit/simple-change", {"content": f"{parent_id} U1"})
    assert reply["code"] == 3
    assert "captcha" in reply["description"]


@pytest.mark.parametrize(
    ("body", "action", "index"),
    [
        ({"action": "UPSCALE", "index": 2}, "UPSCALE", 2),
        ({"action": "variation", "index": 4}, "VARIATION", 4),
        ({"action": "REROLL"}, "REROLL", 0),
        ({"action": "REROLL", "index": 0}, "REROLL", 0),
        ({"action": "REROLL", "index": None}, "REROLL", 0),
    ],
)
async def test_change_maps_to_the_grid_buttons(
    start_app: StartApp, body: dict[str, object], action: str, index: int
) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        reply = await app.submit("/mj/submit/change", {"taskId": parent_id, **body})
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert job.task.action == action
    assert job.button is not None
    assert job.button.index == index


@pytest.mark.parametrize(
    ("op", "action"), [("U1", "UPSCALE"), ("v3", "VARIATION"), ("r", "REROLL")]
)
async def test_simple_change(start_app: StartApp, op: str, action: str) -> None:
    async with start_app() as app:
        parent_id, _ = await app.finished_imagine()
        reply = await app.submit("/mj/submit/simple-change", {"content": f"{parent_id} {op}"})
        child = await app.fetch(reply["result"])
    assert child["action"] == action


async def test_a_modal_action_answers_21_and_waits_in_modal(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app, "a red mug")
        reply = await app.submit(
            "/mj/submit/action", {"taskId": parent_id, "customId": f"MJ::CustomZoom::{job_hash}"}
        )
        task = await app.fetch(reply["result"])
    assert reply["code"] == 21
    assert "Waiting for window confirm" in reply["description"]
    assert reply["properties"]["finalPrompt"] == "a red mug --v 6"
    assert reply["properties"]["remix"] is True
    assert task["status"] == "MODAL"
    assert task["progress"] == "0%"
    assert app.engine.started.empty()


async def test_the_modal_confirm_continues_the_same_task(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app)
        modal_id = (
            await app.submit(
                "/mj/submit/action",
                {"taskId": parent_id, "customId": f"MJ::CustomZoom::{job_hash}"},
            )
        )["result"]
        reply = await app.submit(
            "/mj/submit/modal", {"taskId": modal_id, "prompt": " a red mug --zoom 1.5 "}
        )
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert reply["result"] == modal_id
    assert job.task.id == modal_id
    assert job.modal_prompt == "a red mug --zoom 1.5 --fast"  # the mode the scheduler chose
    assert job.button is not None
    assert job.button.kind == "custom_zoom"


async def test_a_modal_confirm_without_prompt_uses_the_suggested_one(start_app: StartApp) -> None:
    async with start_app(accounts=[account(remix=True)]) as app:
        parent_id, _ = await app.finished_imagine("a cat")
        modal = await app.submit(
            "/mj/submit/change", {"taskId": parent_id, "action": "VARIATION", "index": 1}
        )
        reply = await app.submit("/mj/submit/modal", {"taskId": modal["result"]})
        job = await app.engine.next_job()
    assert modal["code"] == 21
    assert reply["code"] == 1
    assert job.modal_prompt == "a cat --fast"


async def test_inpaint_needs_a_mask_and_hands_it_to_the_engine(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app)
        modal_id = (
            await app.submit(
                "/mj/submit/action",
                {"taskId": parent_id, "customId": f"MJ::Inpaint::1::{job_hash}::SOLO"},
            )
        )["result"]
        without = await app.submit("/mj/submit/modal", {"taskId": modal_id, "prompt": "a hat"})
        with_mask = await app.submit(
            "/mj/submit/modal", {"taskId": modal_id, "prompt": "a hat", "maskBase64": data_uri()}
        )
        job = await app.engine.next_job()
    assert without["code"] == 4
    assert "maskBase64 is required" in without["description"]
    assert with_mask["code"] == 1
    assert job.mask is not None
    assert job.mask.mime == "image/png"


async def test_enable_remix_asks_for_a_modal_on_variations(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await app.finished_imagine()
        reply = await app.submit(
            "/mj/submit/action",
            {
                "taskId": parent_id,
                "customId": f"MJ::JOB::variation::1::{job_hash}",
                "enableRemix": True,
            },
        )
    assert reply["code"] == 21


async def test_remix_auto_submit_runs_at_once_with_the_parent_prompt(start_app: StartApp) -> None:
    async with start_app(accounts=[account(remix=True, remix_auto_submit=True)]) as app:
        parent_id, _ = await app.finished_imagine("a cat")
        reply = await app.submit("/mj/submit/simple-change", {"content": f"{parent_id} R"})
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert job.modal_prompt == "a cat --fast"


async def test_modal_on_a_task_not_in_modal_is_code_4_and_unknown_is_code_3(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        not_modal = await app.submit("/mj/submit/modal", {"taskId": task_id})
        unknown = await app.submit("/mj/submit/modal", {"taskId": "999"})
    assert not_modal["code"] == 4
    assert "MODAL" in not_modal["description"]
    assert unknown["code"] == 3


async def test_code_21_keeps_the_confirm_phrase_in_chinese(start_app: StartApp) -> None:
    async with start_app(language="zh") as app:
        parent_id, job_hash = await upscaled(app)
        reply = await app.submit(
            "/mj/submit/action", {"taskId": parent_id, "customId": f"MJ::CustomZoom::{job_hash}"}
        )
    assert reply["code"] == 21
    assert "Waiting for window confirm" in reply["description"]


async def test_video_with_a_task_id_animates_that_task(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app)
        reply = await app.submit(
            "/mj/submit/video", {"taskId": parent_id, "motion": "high", "prompt": "spin"}
        )
        job = await app.engine.next_job()
    assert reply["code"] == 1
    assert job.task.custom_id == f"MJ::JOB::animate_high::1::{job_hash}::SOLO"
    assert job.options["motion"] == "high"


async def test_cancel_a_queued_task_at_once(start_app: StartApp) -> None:
    async with start_app(scheduler={"running": 1, "queued": 5}) as app:
        running = await app.imagine("one")
        queued = await app.imagine("two")
        response = await app.client.post(f"/mj/task/{queued}/cancel")
        queue = (await app.client.get("/mj/task/queue")).json()
        task = await app.fetch(queued)
    assert response.json()["code"] == 1
    assert task["status"] == "CANCEL"
    assert task["progress"] == "100%"
    assert [item["id"] for item in queue] == [running]


async def test_cancel_a_running_task_asks_the_engine(start_app: StartApp) -> None:
    async with start_app(scheduler={"running": 1, "queued": 5}) as app:
        running = await app.imagine("one")
        waiting = await app.imagine("two")
        await app.engine.next_job()
        await app.wait_status(running, TaskStatus.SUBMITTED)
        response = await app.client.post(f"/mj-fast/mj/task/{running}/cancel")
        next_job = await app.engine.next_job()
        task = await app.fetch(running)
    assert response.json()["code"] == 1
    assert app.engine.cancelled == [running]
    assert task["status"] == "CANCEL"
    assert next_job.task.id == waiting


async def test_cancel_of_a_finished_or_unknown_task(start_app: StartApp) -> None:
    async with start_app() as app:
        finished, _ = await app.finished_imagine()
        done = await app.client.post(f"/mj/task/{finished}/cancel")
        unknown = await app.client.post("/mj/task/42/cancel")
    assert (done.status_code, done.json()["code"]) == (400, 4)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 3)


async def test_cancel_a_task_waiting_in_modal(start_app: StartApp) -> None:
    async with start_app() as app:
        parent_id, job_hash = await upscaled(app)
        modal_id = (
            await app.submit(
                "/mj/submit/action",
                {"taskId": parent_id, "customId": f"MJ::CustomZoom::{job_hash}"},
            )
        )["result"]
        response = await app.client.post(f"/mj/task/{modal_id}/cancel")
        confirm = await app.submit("/mj/submit/modal", {"taskId": modal_id})
        task = await app.fetch(modal_id)
    assert response.json()["description"] == "Cancelled"
    assert task["status"] == "CANCEL"
    assert confirm["code"] == 4
