"""Modal flows (custom zoom, Vary Region, remix) at sandbox speeds far above real time.

They failed at high speeds because the sandbox scaled how long a form stays open (15 minutes,
a person's time) by the speed: 9 ms at speed 100 000, under a second at 1 000, so a loaded
machine lost forms well below that. Each flow runs a few rounds at each speed.
"""

from __future__ import annotations

import pytest

from mjproxy.domain.task import Task, TaskAction, TaskStatus
from tests.discord.sandbox_env import Env, png, sandbox_env

SPEEDS = [100, 10_000, 1_000_000]
ROUNDS = 3


async def upscaled(env: Env) -> Task:
    grid = await env.run(TaskAction.IMAGINE, prompt="a red cat")
    assert grid.status is TaskStatus.SUCCESS, grid.fail_reason
    task = await env.run(
        TaskAction.UPSCALE, parent=grid, custom_id=f"MJ::JOB::upsample::1::{grid.message_hash}"
    )
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    return task


@pytest.mark.parametrize("speed", SPEEDS)
async def test_custom_zoom_and_vary_region(speed: float) -> None:
    async with sandbox_env(speed=speed) as env:
        for _ in range(ROUNDS):
            parent = await upscaled(env)
            zoom = await env.run(
                TaskAction.CUSTOM_ZOOM,
                parent=parent,
                custom_id=f"MJ::CustomZoom::{parent.message_hash}",
                modal_prompt="a red cat --zoom 1.8",
            )
            assert zoom.status is TaskStatus.SUCCESS, zoom.fail_reason
            region = await env.run(
                TaskAction.INPAINT,
                parent=parent,
                custom_id=f"MJ::Inpaint::1::{parent.message_hash}::SOLO",
                modal_prompt="a blue hat",
                mask=png("white"),
            )
            assert region.status is TaskStatus.SUCCESS, region.fail_reason


@pytest.mark.parametrize("speed", SPEEDS)
async def test_remix_variation(speed: float) -> None:
    async with sandbox_env(speed=speed, remix=True) as env:
        for _ in range(ROUNDS):
            grid = await env.run(TaskAction.IMAGINE, prompt="a red cat")
            task = await env.run(
                TaskAction.VARIATION,
                parent=grid,
                custom_id=f"MJ::JOB::variation::1::{grid.message_hash}",
                modal_prompt="a red cat wearing a hat",
            )
            assert task.status is TaskStatus.SUCCESS, task.fail_reason
            assert task.final_prompt == "a red cat wearing a hat"
