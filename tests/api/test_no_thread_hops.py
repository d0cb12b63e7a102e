"""No request waits for the thread pool. FastAPI runs a plain `def` endpoint or dependency in
a worker thread, a hop there and back on every request that costs more than most of our
routes' own work, so all of ours are `async def`. Counted where the hop happens: anyio's
`to_thread.run_sync`, which Starlette's `run_in_threadpool` calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from tests.harness import starter


async def test_task_routes_never_use_the_thread_pool(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not about storage: one backend is enough.
    start_app = starter(sqlite_url, tmp_path)
    calls: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__qualname__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    async with start_app() as app:
        task_id = await app.imagine("a red ceramic mug")
        monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
        await app.imagine("a blue ceramic mug")
        await app.fetch(task_id)
        listed = await app.client.post("/mj/task/list-by-condition", json={"ids": [task_id]})
        assert listed.status_code == 200
        for path in ("/mj/task/list", "/mj/task/queue", "/mj/account/list", "/health"):
            assert (await app.client.get(path)).status_code == 200, path
        monkeypatch.undo()
    assert calls == []
