"""Re-hosting on the real path: Discord engine against the sandbox, through the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mjproxy.domain.task import Task
from tests.e2e.sandbox_app import SandboxApp, sandbox_app
from tests.images import same_pixels


def _settled(task: Task) -> bool:
    return task.is_terminal and task.properties.get("mediaStatus") in ("stored", "failed")


async def _finished_and_stored(api: SandboxApp, path: str, body: dict[str, Any]) -> dict[str, Any]:
    task_id = await api.accepted(path, body)
    await api.app.wait_until(task_id, _settled)
    task = await api.app.fetch(task_id)
    assert task["status"] == "SUCCESS", task["failReason"]
    assert task["properties"]["mediaStatus"] == "stored"
    assert task["imageUrl"].startswith("http://mjproxy.test/mj/image/")
    return task


async def test_a_sandbox_u3_equals_quadrant_3_of_the_stored_grid(tmp_path: Path) -> None:
    async with sandbox_app(tmp_path) as api:
        grid = await _finished_and_stored(api, "/mj/submit/imagine", {"prompt": "a red cat"})
        assert len(grid["imageUrls"]) == 4
        u3_id = next(b["customId"] for b in grid["buttons"] if b["label"] == "U3")
        upscale = await _finished_and_stored(
            api, "/mj/submit/action", {"taskId": grid["id"], "customId": u3_id}
        )
        stored_u3 = await api.image(upscale["imageUrl"])
        quadrants = [await api.image(entry["url"]) for entry in grid["imageUrls"]]
    assert same_pixels(stored_u3, quadrants[2])
    assert not any(same_pixels(stored_u3, quadrants[i]) for i in (0, 1, 3))
