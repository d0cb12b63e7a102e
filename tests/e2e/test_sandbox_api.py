"""Every action through the HTTP API, fulfilled by the Discord engine against the sandbox.

The app is wired as `mjproxy serve --sandbox` wires it; each test asserts the task JSON a
client would see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.server import Sandbox
from mjproxy.sandbox.transcript import EntryKind
from tests.e2e.sandbox_app import TILE_PX, SandboxApp, png_b64, sandbox_app, serve_app


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[SandboxApp]:
    async with sandbox_app(tmp_path) as app:
        yield app


def assert_success(task: dict[str, Any]) -> None:
    assert task["status"] == "SUCCESS", task["failReason"]
    assert task["progress"] == "100%"
    assert task["imageUrl"]
    assert task["properties"]["finalPrompt"] is not None


def button(task: dict[str, Any], label: str) -> str:
    found = [b["customId"] for b in task["buttons"] if label in (b["label"], b["emoji"])]
    assert found, f"no {label!r} button among {task['buttons']}"
    return str(found[0])


async def imagine(api: SandboxApp, prompt: str = "a red cat", **fields: Any) -> dict[str, Any]:
    task = await api.run("/mj/submit/imagine", {"prompt": prompt, **fields})
    assert_success(task)
    return task


async def upscaled(api: SandboxApp) -> dict[str, Any]:
    grid = await imagine(api)
    task = await api.action(grid, button(grid, "U1"))
    assert_success(task)
    return task


def closest_quadrant(grid: Image.Image, picked: Image.Image) -> int:
    w, h = grid.size
    boxes = [
        (0, 0, w // 2, h // 2),
        (w // 2, 0, w, h // 2),
        (0, h // 2, w // 2, h),
        (w // 2, h // 2, w, h),
    ]
    scores = [
        sum(ImageStat.Stat(ImageChops.difference(picked, grid.crop(b).resize(picked.size))).mean)
        for b in boxes
    ]
    return min(range(4), key=scores.__getitem__) + 1


async def test_imagine_task_json(api: SandboxApp) -> None:
    task = await imagine(api, state="my-state")
    assert task["action"] == "IMAGINE"
    assert task["state"] == "my-state"
    # Midjourney ran the mode the scheduler chose, named in the prompt it received.
    assert task["properties"]["finalPrompt"] == "a red cat --fast"
    assert task["mode"] == "FAST"
    assert task["properties"]["sandbox"] is True
    assert [b["label"] for b in task["buttons"]][:4] == ["U1", "U2", "U3", "U4"]
    assert all(isinstance(b["emoji"], str) and isinstance(b["style"], int) for b in task["buttons"])
    assert (await api.image(task["imageUrl"])).size == (2 * TILE_PX, 2 * TILE_PX)
    assert task["startTime"]
    assert task["finishTime"] >= task["startTime"]


async def test_progress_is_visible_while_running(tmp_path: Path) -> None:
    async with sandbox_app(tmp_path, speed=20) as api:
        task_id = await api.accepted("/mj/submit/imagine", {"prompt": "a slow cat"})
        running = await api.app.wait_until(task_id, lambda t: 0 < t.progress < 100)
        assert running.status.value == "IN_PROGRESS"
        assert running.image_url  # the preview
        assert_success(await api.finished(task_id))


async def test_imagine_with_reference_images(api: SandboxApp) -> None:
    task = await imagine(api, base64Array=[png_b64("red"), png_b64("blue")])
    assert task["properties"]["finalPrompt"].count("https://s.mj.run/") == 2


async def test_niji(api: SandboxApp) -> None:
    task = await imagine(api, "an anime cat", botType="NIJI_JOURNEY")
    assert task["botType"] == "NIJI_JOURNEY"


@pytest.mark.parametrize("index", [1, 2, 3, 4])
async def test_upscale_serves_the_right_quadrant(api: SandboxApp, index: int) -> None:
    grid = await imagine(api)
    picked = await api.action(grid, button(grid, f"U{index}"))
    assert_success(picked)
    assert picked["action"] == "UPSCALE"
    whole, single = await api.image(grid["imageUrl"]), await api.image(picked["imageUrl"])
    assert closest_quadrant(whole, single) == index


@pytest.mark.parametrize("label", ["V1", "V2", "V3", "V4", "🔄"])
async def test_variations_and_reroll(api: SandboxApp, label: str) -> None:
    grid = await imagine(api)
    task = await api.action(grid, button(grid, label))
    assert_success(task)
    assert task["buttons"]


@pytest.mark.parametrize(
    "label",
    ["Vary (Subtle)", "Vary (Strong)", "Zoom Out 2x", "Zoom Out 1.5x", "⬅️", "➡️", "⬆️", "⬇️",
     "Upscale (Subtle)", "Upscale (Creative)"],
)  # fmt: skip
async def test_buttons_of_an_upscaled_image(api: SandboxApp, label: str) -> None:
    single = await upscaled(api)
    task = await api.action(single, button(single, label))
    assert_success(task)
    assert task["properties"]["finalPrompt"].startswith("a red cat")
    assert task["properties"]["messageHash"] != single["properties"]["messageHash"]
    assert task["buttons"]  # a new image, with its own buttons
    assert all(task["properties"]["messageHash"] in b["customId"] for b in task["buttons"][:4])
    image = await api.image(task["imageUrl"])
    assert min(image.size) >= TILE_PX


async def test_custom_zoom_goes_modal_then_modal_confirm(api: SandboxApp) -> None:
    single = await upscaled(api)
    reply = await api.submit(
        "/mj/submit/action", {"taskId": single["id"], "customId": button(single, "Custom Zoom")}
    )
    assert reply["code"] == 21
    assert "Waiting for window confirm" in reply["description"]
    assert (await api.app.fetch(reply["result"]))["status"] == "MODAL"
    task = await api.run(
        "/mj/submit/modal", {"taskId": reply["result"], "prompt": "a red cat --zoom 1.8 --fast"}
    )
    assert_success(task)
    assert task["properties"]["finalPrompt"] == "a red cat --zoom 1.8 --fast"


async def test_vary_region_with_a_mask(api: SandboxApp) -> None:
    single = await upscaled(api)
    reply = await api.submit(
        "/mj/submit/action", {"taskId": single["id"], "customId": button(single, "Vary (Region)")}
    )
    assert reply["code"] == 21
    body = {"taskId": reply["result"], "prompt": "a blue hat", "maskBase64": png_b64("white")}
    task = await api.run("/mj/submit/modal", body)
    assert_success(task)
    assert task["properties"]["finalPrompt"] == "a blue hat --fast"


async def test_remix_variation_through_the_modal(tmp_path: Path) -> None:
    async with sandbox_app(tmp_path, remix=True) as api:
        grid = await imagine(api)
        reply = await api.submit(
            "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "V2")}
        )
        assert reply["code"] == 21
        task = await api.run(
            "/mj/submit/modal", {"taskId": reply["result"], "prompt": "a red cat in a hat"}
        )
        assert_success(task)
        assert task["properties"]["finalPrompt"] == "a red cat in a hat --fast"


async def test_remix_auto_submit_runs_without_a_modal(tmp_path: Path) -> None:
    async with sandbox_app(tmp_path, remix=True, remix_auto_submit=True) as api:
        grid = await imagine(api)
        reply = await api.submit(
            "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "V2")}
        )
        assert reply["code"] == 1, reply  # no MODAL step for the client
        task = await api.finished(reply["result"])
    assert_success(task)
    assert task["action"] == "VARIATION"
    assert task["properties"]["finalPrompt"] == "a red cat --fast"  # the parent's prompt
    assert [b["label"] for b in task["buttons"]][:4] == ["U1", "U2", "U3", "U4"]


async def test_describe_gives_four_prompts_and_picreader_buttons(api: SandboxApp) -> None:
    task = await api.run("/mj/submit/describe", {"base64": png_b64("blue")})
    assert task["status"] == "SUCCESS", task["failReason"]
    assert len(task["properties"]["finalPrompt"].split("\n\n")) == 4
    ids = [b["customId"] for b in task["buttons"]]
    assert ids[:4] == [f"MJ::Job::PicReader::{i}" for i in range(1, 5)]


async def test_blend(api: SandboxApp) -> None:
    body = {"base64Array": [png_b64("red"), png_b64("green")], "dimensions": "LANDSCAPE"}
    task = await api.run("/mj/submit/blend", body)
    assert_success(task)
    assert "--ar 3:2" in task["properties"]["finalPrompt"]


async def test_shorten(api: SandboxApp) -> None:
    task = await api.run("/mj/submit/shorten", {"prompt": "a very very long prompt about a cat"})
    assert task["status"] == "SUCCESS", task["failReason"]
    assert task["properties"]["finalPrompt"]
    assert any(b["customId"].startswith("MJ::Job::PromptAnalyzer::") for b in task["buttons"])


async def test_image_seed(api: SandboxApp) -> None:
    task = await imagine(api)
    response = await api.app.client.get(f"/mj/task/{task['id']}/image-seed")
    assert response.status_code == 200, response.text
    assert response.json()["result"].isdigit()


async def test_upload_discord_images(api: SandboxApp) -> None:
    reply = await api.submit("/mj/submit/upload-discord-images", {"base64Array": [png_b64("red")]})
    assert reply["code"] == 1, reply
    assert (await api.image(reply["result"][0])).getpixel((1, 1)) == (255, 0, 0)


def assert_video(task: dict[str, Any]) -> None:
    assert (task["status"], task["progress"]) == ("SUCCESS", "100%"), task["failReason"]
    assert task["action"] == "VIDEO"
    assert task["videoUrl"], task
    assert task["videoUrls"]
    assert all(item["url"].split("?")[0].endswith(".mp4") for item in task["videoUrls"])


async def test_video_animate_extend_and_pick(api: SandboxApp) -> None:
    video = await api.run(
        "/mj/submit/video", {"prompt": "a dog runs", "image": png_b64("red"), "motion": "high"}
    )
    assert_video(video)
    assert "--video" in video["properties"]["finalPrompt"]
    single = await upscaled(api)
    animated = await api.action(single, button(single, "Animate (Low motion)"))
    assert_video(animated)
    extended = await api.action(animated, button(animated, "Extend (High motion)"))
    assert_video(extended)
    picked = await api.action(animated, button(animated, "U2"))
    assert (picked["status"], picked["action"]) == ("SUCCESS", "UPSCALE"), picked["failReason"]


async def test_cancel_a_running_task(tmp_path: Path) -> None:
    async with sandbox_app(tmp_path, speed=10) as api:
        task_id = await api.accepted("/mj/submit/imagine", {"prompt": "a slow cat"})
        await api.app.wait_until(task_id, lambda t: t.progress > 0)
        response = await api.app.client.post(f"/mj/task/{task_id}/cancel")
        assert response.status_code == 200, response.text
        task = await api.finished(task_id)
        assert task["status"] == "CANCEL"


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("sbx-banned", "Banned prompt"),
        ("sbx-invalid", "Invalid parameter"),
        ("sbx-queue-full", "Queue full"),
    ],
)
async def test_midjourney_failures_name_the_reason(api: SandboxApp, word: str, reason: str) -> None:
    task = await api.run("/mj/submit/imagine", {"prompt": f"a cat {word}"})
    assert task["status"] == "FAILURE"
    assert task["progress"] == "100%"
    assert reason in task["failReason"]


async def test_account_list_marks_the_sandbox(api: SandboxApp) -> None:
    accounts = (await api.app.client.get("/mj/account/list")).json()
    assert [a["sandbox"] for a in accounts] == [True]
    assert "sandbox" in accounts[0]["remark"]
    assert api.member.token not in str(accounts)


async def test_restart_mid_task_reattaches(tmp_path: Path) -> None:
    # A heartbeat late by seconds on a loaded machine must not end the session (4009).
    config = SandboxConfig(
        speed=20, tile_px=TILE_PX, heartbeat_interval_ms=2_000, heartbeat_timeout_factor=3.0
    )
    async with Sandbox(config) as sandbox:
        async with serve_app(sandbox, tmp_path) as first:
            task_id = await first.accepted("/mj/submit/imagine", {"prompt": "a patient cat"})
            await first.app.wait_until(task_id, lambda t: t.progress > 0)
            member = first.member
        async with serve_app(sandbox, tmp_path, member=member) as second:
            task = await second.finished(task_id)
            body = {"ids": [task_id]}
            listed = (await second.app.client.post("/mj/task/list-by-condition", json=body)).json()
    assert_success(task)
    assert [t["id"] for t in listed] == [task_id]


async def _inject(api: SandboxApp, fault: str, task_id: str) -> list[str]:
    """Break something while `task_id` runs; return the ids of any extra tasks it submitted."""
    session = api.sandbox.sessions_of(api.member)[-1].session_id
    faults = api.sandbox.faults
    if fault == "drop":
        faults.drop(session)
    elif fault == "reconnect":
        faults.reconnect(session)
    elif fault == "invalid_session":
        faults.invalid_session(session, resumable=False)
    elif fault == "heartbeat_acks":
        mark = api.sandbox.transcript.next_index
        faults.stop_heartbeat_acks(session)
        await api.sandbox.wait_for(
            lambda e: e.kind == EntryKind.WS_RECV and e.op == 6, since=mark, timeout_s=20
        )  # the engine gave up on the silent socket and resumed
        faults.resume_heartbeat_acks(session)
    elif fault == "reordered_events":
        # Progress edits held back until the job is over arrive after its result.
        faults.hold_events("MESSAGE_UPDATE")
        await api.sandbox.wait_for(lambda e: e.kind == EntryKind.JOB and e.note == "succeeded")
        await api.app.wait_until(task_id, lambda t: t.is_terminal)
        assert faults.release_events() > 0
    elif fault == "stale_command":
        api.sandbox.rotate_commands("imagine")
        return [await api.accepted("/mj/submit/imagine", {"prompt": "a second cat"})]
    else:
        faults.rate_limit("/interactions", count=3, retry_after_s=0.05)
        return [await api.accepted("/mj/submit/imagine", {"prompt": "a second cat"})]
    return []


FAULTS = ["drop", "reconnect", "invalid_session", "heartbeat_acks", "reordered_events",
          "stale_command", "rate_limit"]  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_mid_task_through_the_api(tmp_path: Path, fault: str) -> None:
    async with sandbox_app(tmp_path, speed=20) as api:
        task_id = await api.accepted("/mj/submit/imagine", {"prompt": "a sturdy cat"})
        await api.app.wait_until(task_id, lambda t: t.progress > 0)
        others = await _inject(api, fault, task_id)
        tasks = [await api.finished(i) for i in [task_id, *others]]
        body = {"ids": [task_id, *others]}
        listed = (await api.app.client.post("/mj/task/list-by-condition", json=body)).json()
        jobs = [j.prompt for j in api.sandbox.jobs.of_user(api.member.user_id)]
        refused = [e.status for e in api.sandbox.transcript.entries(kind=EntryKind.REST)
                   if e.path and e.path.endswith("/interactions") and e.status != 204]  # fmt: skip
    for task in tasks:
        assert_success(task)
    assert [t["id"] for t in listed] == [task_id, *others]
    # Midjourney ran each task exactly once: nothing was sent twice, nothing lost.
    assert sorted(jobs) == sorted(t["properties"]["finalPrompt"] for t in tasks)
    expected = {"stale_command": [400], "rate_limit": [429] * 3}.get(fault, [])
    assert refused == expected  # the fault really hit the interactions it was meant for
