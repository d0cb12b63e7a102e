"""Task and account queries: fetch, list-by-condition, list, queue, image-seed, accounts."""

from __future__ import annotations

from typing import Any

import pytest

from mjproxy.domain.task import TaskStatus
from tests.harness import USER_TOKEN, StartApp, account


async def test_fetch_of_an_unknown_task_is_a_json_404(start_app: StartApp) -> None:
    async with start_app() as app:
        for task_id in ("1320098173412546", "not-a-number"):
            response = await app.client.get(f"/mj/task/{task_id}/fetch")
            assert response.status_code == 404
            assert response.json()["code"] == 3
            assert task_id in response.json()["description"]


async def test_list_by_condition_accepts_string_and_number_ids(start_app: StartApp) -> None:
    async with start_app() as app:
        first, second = await app.imagine("one"), await app.imagine("two")
        response = await app.client.post(
            "/mj/task/list-by-condition", json={"ids": [int(second), first]}
        )
    assert response.status_code == 200
    assert [task["id"] for task in response.json()] == [second, first]


async def test_list_by_condition_returns_only_the_asked_tasks(start_app: StartApp) -> None:
    async with start_app() as app:
        asked, _other = await app.imagine("one"), await app.imagine("two")
        response = await app.client.post(
            "/mj/task/list-by-condition", json={"ids": [asked, "999", asked, "x"]}
        )
    assert [task["id"] for task in response.json()] == [asked]


@pytest.mark.parametrize("body", [{"ids": []}, {"ids": None}, {}, None])
async def test_list_by_condition_without_ids_is_an_empty_array(
    start_app: StartApp, body: dict[str, Any] | None
) -> None:
    async with start_app() as app:
        await app.imagine()
        response = await app.client.post("/mj/task/list-by-condition", json=body)
    assert response.status_code == 200
    assert response.json() == []


async def test_task_list_is_newest_first_and_paged(start_app: StartApp) -> None:
    async with start_app() as app:
        ids = [await app.imagine(f"p{n}") for n in range(5)]
        page = await app.client.get("/mj/task/list?limit=2&offset=1")
        everything = await app.client.get("/mj/task/list")
    assert [task["id"] for task in page.json()] == [ids[3], ids[2]]
    assert page.headers["x-total-count"] == "5"
    assert [task["id"] for task in everything.json()] == ids[::-1]


async def test_task_list_filters_by_status(start_app: StartApp) -> None:
    async with start_app() as app:
        done, _ = await app.finished_imagine()
        await app.imagine("waiting")
        response = await app.client.get("/mj/task/list?status=SUCCESS")
    assert [task["id"] for task in response.json()] == [done]


async def test_queue_lists_running_and_waiting_tasks_oldest_first(start_app: StartApp) -> None:
    async with start_app(scheduler={"running": 1, "queued": 5}) as app:
        finished, _ = await app.finished_imagine()
        running, waiting = await app.imagine("r"), await app.imagine("w")
        response = await app.client.get("/mj/task/queue")
    assert finished not in [task["id"] for task in response.json()]
    assert [task["id"] for task in response.json()] == [running, waiting]


async def test_image_seed_of_a_finished_task_is_a_string_and_asked_once(
    start_app: StartApp,
) -> None:
    async with start_app() as app:
        task_id, _ = await app.finished_imagine()
        first = (await app.client.get(f"/mj/task/{task_id}/image-seed")).json()
        second = (await app.client.get(f"/mj-relax/mj/task/{task_id}/image-seed")).json()
        seed_requests = list(app.engine.seed_requests)
    assert first == {"code": 1, "description": "Success", "result": "3713209457", "properties": {}}
    assert second == first
    assert seed_requests == [task_id]


async def test_image_seed_of_an_unfinished_or_unknown_task(start_app: StartApp) -> None:
    async with start_app() as app:
        task_id = await app.imagine()
        unfinished = await app.client.get(f"/mj/task/{task_id}/image-seed")
        unknown = await app.client.get("/mj/task/77/image-seed")
    assert (unfinished.status_code, unfinished.json()["code"]) == (400, 4)
    assert (unknown.status_code, unknown.json()["code"]) == (404, 3)


async def test_account_list_shows_state_limits_and_load_but_never_the_token(
    start_app: StartApp,
) -> None:
    async with start_app(accounts=[account("acc-1", remark="main"), account("acc-2")]) as app:
        await app.imagine()
        response = await app.client.get("/mj/account/list")
    assert USER_TOKEN not in response.text
    first = response.json()[0]
    assert "token" not in str(sorted(first)).lower()
    assert first["id"] == "acc-1"
    assert first["state"] == "ready"
    assert first["remark"] == "main"
    assert (first["coreSize"], first["queueSize"]) == (3, 10)
    assert first["load"]["FAST"] == {"running": 1, "queued": 0}


async def test_account_fetch_by_id_and_unknown_id(start_app: StartApp) -> None:
    async with start_app() as app:
        found = await app.client.get("/mj/account/acc-1/fetch")
        missing = await app.client.get("/mj/account/nope/fetch")
    assert found.json()["channelId"] == "1118138338562560102"
    assert USER_TOKEN not in found.text
    assert (missing.status_code, missing.json()["code"]) == (404, 3)


async def test_list_by_condition_serialises_each_snapshot_once_and_shows_every_change(
    start_app: StartApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The aggregators' poll: unchanged tasks come from the (id, version) cache, changed ones
    # are read again, so a poll never shows an old state and never re-reads an unchanged one.
    async with start_app() as app:
        first, second = await app.imagine("one"), await app.imagine("two")
        for task_id in (first, second):  # settled: nothing changes them until we say
            await app.wait_status(task_id, TaskStatus.SUBMITTED)
        queries = app.services.queries
        reads: list[list[str]] = []
        get_many = queries.get_many

        async def counting(task_ids: Any) -> Any:
            reads.append(sorted(task_ids))
            return await get_many(task_ids)

        monkeypatch.setattr(queries, "get_many", counting)

        async def poll() -> list[dict[str, Any]]:
            body = {"ids": [second, first, "404"]}
            response = await app.client.post("/mj/task/list-by-condition", json=body)
            assert response.status_code == 200
            tasks: list[dict[str, Any]] = response.json()
            return tasks

        cold = await poll()
        warm = await poll()
        await app.engine.progress(first, 40)
        changed = await poll()
    assert [t["id"] for t in cold] == [second, first]
    assert warm == cold
    assert [t["progress"] for t in changed] == [cold[0]["progress"], "40%"]
    assert reads == [sorted([first, second]), [first]]
