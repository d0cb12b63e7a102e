"""Every action the engine runs, against the sandbox over real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from PIL import Image, ImageChops, ImageStat

from mjproxy.domain.task import BotType, Task, TaskAction, TaskStatus
from mjproxy.engines.discord import formats
from tests.discord.sandbox_env import TILE_PX, Env, png, sandbox_env


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with sandbox_env() as created:
        yield created


async def grid(env: Env, prompt: str = "a red cat") -> Task:
    task = await env.run(TaskAction.IMAGINE, prompt=prompt)
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    return task


async def upscaled(env: Env) -> Task:
    parent = await grid(env)
    task = await env.run(
        TaskAction.UPSCALE, parent=parent, custom_id=f"MJ::JOB::upsample::1::{parent.message_hash}"
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    return task


def difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean)


async def test_imagine_reports_progress_then_the_grid(env: Env) -> None:
    task = await grid(env)
    statuses = env.services.statuses[task.id]
    assert statuses[0] is TaskStatus.SUBMITTED
    assert TaskStatus.IN_PROGRESS in statuses
    assert task.progress_text == "100%"
    assert task.final_prompt == "a red cat"
    assert task.message_hash is not None
    assert task.image_url is not None
    assert task.message_hash in task.image_url
    labels = [b.label for b in task.buttons]
    assert labels[:4] == ["U1", "U2", "U3", "U4"]
    assert {"V1", "V2", "V3", "V4"} <= set(labels)
    assert (await env.image(task.image_url)).size[0] == 2 * TILE_PX  # a 2×2 grid


async def test_imagine_with_reference_images_prepends_their_links(env: Env) -> None:
    task = await env.run(TaskAction.IMAGINE, prompt="a red cat", images=[png("red"), png("blue")])
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert (task.final_prompt or "").count("https://s.mj.run/") == 2


async def test_niji_runs_on_the_niji_bot(env: Env) -> None:
    task = await env.run(TaskAction.IMAGINE, prompt="anime cat", bot=BotType.NIJI_JOURNEY)
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.buttons


async def test_u3_is_quadrant_three(env: Env) -> None:
    parent = await grid(env)
    child = await env.run(
        TaskAction.UPSCALE, parent=parent, custom_id=f"MJ::JOB::upsample::3::{parent.message_hash}"
    )
    assert child.status is TaskStatus.SUCCESS
    whole = await env.image(parent.image_url)
    picked = await env.image(child.image_url)
    w, h = whole.size
    quadrants = [
        whole.crop(box)
        for box in (
            (0, 0, w // 2, h // 2),
            (w // 2, 0, w, h // 2),
            (0, h // 2, w // 2, h),
            (w // 2, h // 2, w, h),
        )
    ]
    scores = [difference(picked, q) for q in quadrants]
    assert min(range(4), key=scores.__getitem__) == 2


@pytest.mark.parametrize("index", [1, 2, 3, 4])
async def test_variations(env: Env, index: int) -> None:
    parent = await grid(env)
    task = await env.run(
        TaskAction.VARIATION,
        parent=parent,
        custom_id=f"MJ::JOB::variation::{index}::{parent.message_hash}",
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.message_hash != parent.message_hash
    assert [b.label for b in task.buttons][:4] == ["U1", "U2", "U3", "U4"]


async def test_reroll(env: Env) -> None:
    parent = await grid(env)
    task = await env.run(
        TaskAction.REROLL,
        parent=parent,
        custom_id=f"MJ::JOB::reroll::0::{parent.message_hash}::SOLO",
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.final_prompt == "a red cat"


@pytest.mark.parametrize(
    ("action", "pattern"),
    [
        (TaskAction.LOW_VARIATION, "MJ::JOB::low_variation::1::{h}::SOLO"),
        (TaskAction.HIGH_VARIATION, "MJ::JOB::high_variation::1::{h}::SOLO"),
        (TaskAction.ZOOM, "MJ::Outpaint::50::1::{h}::SOLO"),
        (TaskAction.ZOOM, "MJ::Outpaint::75::1::{h}::SOLO"),
        (TaskAction.PAN, "MJ::JOB::pan_left::1::{h}::SOLO"),
        (TaskAction.PAN, "MJ::JOB::pan_right::1::{h}::SOLO"),
        (TaskAction.PAN, "MJ::JOB::pan_up::1::{h}::SOLO"),
        (TaskAction.PAN, "MJ::JOB::pan_down::1::{h}::SOLO"),
        (TaskAction.UPSCALE_HD, "MJ::JOB::upsample_v7_2x_subtle::1::{h}::SOLO"),
        (TaskAction.UPSCALE_HD, "MJ::JOB::upsample_v7_2x_creative::1::{h}::SOLO"),
    ],
)
async def test_buttons_on_an_upscaled_image(env: Env, action: TaskAction, pattern: str) -> None:
    parent = await upscaled(env)
    task = await env.run(action, parent=parent, custom_id=pattern.format(h=parent.message_hash))
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.image_url is not None
    assert task.buttons


async def test_custom_zoom_goes_through_the_modal(env: Env) -> None:
    parent = await upscaled(env)
    task = await env.run(
        TaskAction.CUSTOM_ZOOM,
        parent=parent,
        custom_id=f"MJ::CustomZoom::{parent.message_hash}",
        modal_prompt="a red cat --zoom 1.8",
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.final_prompt == "a red cat --zoom 1.8"


async def test_vary_region_submits_the_mask(env: Env) -> None:
    parent = await upscaled(env)
    task = await env.run(
        TaskAction.INPAINT,
        parent=parent,
        custom_id=f"MJ::Inpaint::1::{parent.message_hash}::SOLO",
        modal_prompt="a blue hat",
        mask=png("white"),
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.final_prompt == "a blue hat"


async def test_vary_region_without_a_mask_fails_clearly(env: Env) -> None:
    parent = await upscaled(env)
    task = await env.run(
        TaskAction.INPAINT, parent=parent, custom_id=f"MJ::Inpaint::1::{parent.message_hash}::SOLO"
    )
    assert task.status is TaskStatus.FAILURE
    assert "mask" in (task.fail_reason or "")


async def test_describe_then_imagine_a_suggestion(env: Env) -> None:
    described = await env.run(TaskAction.DESCRIBE, images=[png("blue")])
    assert described.status is TaskStatus.SUCCESS
    assert len((described.final_prompt or "").split("\n\n")) == 4
    assert [b.custom_id for b in described.buttons][:4] == [
        f"MJ::Job::PicReader::{i}" for i in range(1, 5)
    ]
    task = await env.run(
        TaskAction.IMAGINE,
        parent=described,
        custom_id="MJ::Job::PicReader::2",
        modal_prompt="a chosen prompt",
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert task.final_prompt == "a chosen prompt"


async def test_shorten_then_imagine_a_short_prompt(env: Env) -> None:
    shortened = await env.run(
        TaskAction.SHORTEN, prompt="a very long and verbose prompt about a red cat"
    )
    assert shortened.status is TaskStatus.SUCCESS
    assert shortened.final_prompt
    assert any(b.custom_id.startswith(formats.SHORTEN_BUTTON_PREFIX) for b in shortened.buttons)
    task = await env.run(
        TaskAction.IMAGINE, parent=shortened, custom_id="MJ::Job::PromptAnalyzer::1"
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason


async def test_blend_two_images(env: Env) -> None:
    task = await env.run(
        TaskAction.BLEND, images=[png("red"), png("green")], options={"dimensions": "PORTRAIT"}
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert "--ar 2:3" in (task.final_prompt or "")


async def test_video_animate_extend_and_pick(env: Env) -> None:
    video = await env.run(
        TaskAction.VIDEO, prompt="a dog runs", images=[png("red")], options={"motion": "high"}
    )
    assert video.status is TaskStatus.SUCCESS
    assert "--video" in (video.final_prompt or "")
    parent = await upscaled(env)
    animated = await env.run(
        TaskAction.VIDEO,
        parent=parent,
        custom_id=f"MJ::JOB::animate_low::1::{parent.message_hash}::SOLO",
    )
    assert animated.status is TaskStatus.SUCCESS
    extend = next(b.custom_id for b in animated.buttons if "extend" in b.custom_id)
    extended = await env.run(TaskAction.VIDEO, parent=animated, custom_id=extend)
    assert extended.status is TaskStatus.SUCCESS
    pick = next(b.custom_id for b in animated.buttons if "video_virtual_upscale" in b.custom_id)
    picked = await env.run(TaskAction.UPSCALE, parent=animated, custom_id=pick)
    assert picked.status is TaskStatus.SUCCESS


async def test_upload_returns_cdn_links(env: Env) -> None:
    urls = await env.engine.upload_images(env.account, [png("red"), png("blue")])
    assert len(urls) == 2
    images = [await env.image(url) for url in urls]
    assert [img.getpixel((1, 1)) for img in images] == [(255, 0, 0), (0, 0, 255)]


async def test_image_seed_through_show_and_envelope(env: Env) -> None:
    task = await grid(env)
    seed = await env.engine.fetch_seed(task, env.account)
    assert seed.isdigit()


async def test_upload_task_succeeds_with_links(env: Env) -> None:
    task = await env.run(TaskAction.UPLOAD, images=[png("red")])
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    assert len(task.image_urls) == 1


async def test_cancel_mid_job(env: Env) -> None:
    env.sandbox.set_speed(20)
    task_id = await env.submit(TaskAction.IMAGINE, prompt="a slow cat")
    await env.services.wait_for(lambda: env.services.tasks[task_id].progress >= 15, timeout_s=30)
    await env.engine.cancel(env.services.tasks[task_id])
    assert env.services.tasks[task_id].status is TaskStatus.CANCEL


async def test_remix_variation_submits_the_clients_prompt() -> None:
    async with sandbox_env(remix=True) as env:
        parent = await grid(env)
        task = await env.run(
            TaskAction.VARIATION,
            parent=parent,
            custom_id=f"MJ::JOB::variation::1::{parent.message_hash}",
            modal_prompt="a red cat wearing a hat",
        )
        assert task.status is TaskStatus.SUCCESS
        assert task.final_prompt == "a red cat wearing a hat"


async def test_remix_auto_submit_keeps_the_prompt() -> None:
    async with sandbox_env(remix=True) as env:
        parent = await grid(env)
        task = await env.run(
            TaskAction.PAN,
            parent=await env.run(
                TaskAction.UPSCALE,
                parent=parent,
                custom_id=f"MJ::JOB::upsample::2::{parent.message_hash}",
            ),
            custom_id="MJ::JOB::pan_up::1::x::SOLO",
        )
        assert task.status is TaskStatus.SUCCESS, task.fail_reason
        assert task.final_prompt == "a red cat"


async def test_info_and_settings_are_read_once_connected() -> None:
    async with sandbox_env(sync_info=True, remix=True) as env:
        await env.services.wait_for_account(
            lambda e: (
                e.facts is not None
                and e.facts.remix is True
                and e.facts.fast_time_remaining_h is not None
            )
        )
