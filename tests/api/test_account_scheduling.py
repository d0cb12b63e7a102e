"""Scheduling through the app: pacing between submits, follow-ups and chooseSameChannel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import CHANNEL_ID, StartApp, account, starter

ADMIN = {"mj-api-secret": "admin-key"}


@pytest.fixture
def start(sqlite_url: str, tmp_path: Path) -> StartApp:
    return starter(sqlite_url, tmp_path)


async def test_the_pause_between_submits_holds_the_next_task_until_it_is_over(
    start: StartApp,
) -> None:
    # Long enough that the second submit always comes inside it, even on a busy machine.
    paced = account(pause_min_s=1.5, pause_max_s=1.5)
    async with start(accounts=[paced]) as app:
        first = await app.submit("/mj/submit/imagine", {"prompt": "one"})
        second = await app.submit("/mj/submit/imagine", {"prompt": "two"})
        started = [(await app.engine.next_job()).task.id for _ in range(2)]
    assert (first["code"], second["code"]) == (1, 22)
    assert started == [first["result"], second["result"]]


async def test_a_follow_up_moves_within_the_channel_only_when_the_client_allows_it(
    start: StartApp,
) -> None:
    same_channel = account("acc-2", channel_id=CHANNEL_ID)
    async with start(admin_secret="admin-key", accounts=[account(), same_channel]) as app:
        parent_id, job_hash = await app.finished_imagine()
        await app.client.post("/mj/admin/accounts/acc-1/disable", headers=ADMIN)
        press = {"taskId": parent_id, "customId": f"MJ::JOB::upsample::1::{job_hash}"}
        stays = await app.submit("/mj/submit/action", press)
        moves = await app.submit("/mj/submit/action", {**press, "chooseSameChannel": True})
        job = await app.engine.next_job()
    assert stays["code"] == 3
    assert "acc-1" in stays["description"]
    assert moves["code"] == 1
    assert (job.task.id, job.account.id) == (moves["result"], "acc-2")
