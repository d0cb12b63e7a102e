"""The task repository on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from mjproxy.domain.deliveries import Announcement
from mjproxy.domain.task import (
    AccountFilter,
    BotType,
    Button,
    ImageInput,
    Mode,
    Task,
    TaskAction,
    TaskStatus,
)
from mjproxy.store.sql import SqlStore, open_store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.aclose()


def make_task(task_id: str, submit_time_ms: int = 1_000, **kwargs: object) -> Task:
    return Task(id=task_id, action=TaskAction.IMAGINE, submit_time_ms=submit_time_ms, **kwargs)  # type: ignore[arg-type]


async def test_a_task_round_trips_every_field(store: SqlStore) -> None:
    task = make_task(
        "1320098173412546",
        status=TaskStatus.SUCCESS,
        progress=100,
        prompt="一只猫 --ar 16:9",
        prompt_en="a cat --ar 16:9",
        description="/imagine a cat",
        state="caller-state",
        bot_type=BotType.NIJI_JOURNEY,
        mode=Mode.RELAX,
        requested_modes=(Mode.RELAX, Mode.FAST),
        account_filter=AccountFilter(instance_id="123", modes=(Mode.FAST,), remix=True),
        notify_hook="http://127.0.0.1/hook",
        owner="key-1",
        parent_id="1320098173412545",
        custom_id="MJ::JOB::upsample::1::abc",
        account_id="123",
        start_time_ms=1_001,
        finish_time_ms=1_002,
        image_url="http://cdn/x.png",
        image_urls=["u1", "u2"],
        video_urls=["v1"],
        buttons=[Button("MJ::JOB::upsample::1::abc", "", "U1", 2, 1)],
        final_prompt="a cat --ar 16:9 --v 7",
        message_id="1180000000000000000",
        message_hash="f58fa448-1620-4aca-9621-005ef9f3b383",
        message_flags=64,
        nonce="1180000000000000001",
        seed="1259687673",
        properties={"remix": True},
        engine_state={"interaction_id": "99"},
    )
    await store.tasks.insert(task)
    assert await store.tasks.get(task.id) == task


async def test_duplicate_id_is_refused(store: SqlStore) -> None:
    await store.tasks.insert(make_task("5"))
    with pytest.raises(ValueError, match="already exists"):
        await store.tasks.insert(make_task("5"))


async def test_update_succeeds_only_on_the_expected_version(store: SqlStore) -> None:
    task = make_task("7")
    await store.tasks.insert(task)
    task.progress, task.version = 31, 1
    assert await store.tasks.update(task, expected_version=0)
    task.progress, task.version = 46, 2
    assert not await store.tasks.update(task, expected_version=0)
    stored = await store.tasks.get("7")
    assert stored is not None
    assert stored.progress == 31


async def test_unknown_and_malformed_ids_match_nothing(store: SqlStore) -> None:
    await store.tasks.insert(make_task("9"))
    assert await store.tasks.get("10") is None
    assert await store.tasks.get("abc") is None
    assert await store.tasks.get("9" * 40) is None
    found = await store.tasks.get_many(["9", "10", "x", "9"])
    assert [task.id for task in found] == ["9"]


async def test_list_recent_is_newest_first_with_total(store: SqlStore) -> None:
    for n in range(5):
        await store.tasks.insert(make_task(str(100 + n), submit_time_ms=1_000 + n))
    page, total = await store.tasks.list_recent(limit=2, offset=1)
    assert [task.id for task in page] == ["103", "102"]
    assert total == 5


async def test_list_recent_filters_by_status(store: SqlStore) -> None:
    await store.tasks.insert(make_task("1", status=TaskStatus.SUCCESS))
    await store.tasks.insert(make_task("2", status=TaskStatus.NOT_START))
    page, total = await store.tasks.list_recent(limit=10, statuses=[TaskStatus.NOT_START])
    assert [task.id for task in page] == ["2"]
    assert total == 1


async def test_list_unfinished_skips_terminal_tasks_oldest_first(store: SqlStore) -> None:
    await store.tasks.insert(make_task("3", submit_time_ms=3, status=TaskStatus.IN_PROGRESS))
    await store.tasks.insert(make_task("1", submit_time_ms=1, status=TaskStatus.NOT_START))
    await store.tasks.insert(make_task("2", submit_time_ms=2, status=TaskStatus.FAILURE))
    await store.tasks.insert(make_task("4", submit_time_ms=4, status=TaskStatus.CANCEL))
    assert [task.id for task in await store.tasks.list_unfinished()] == ["1", "3"]


async def test_inputs_keep_their_order_bytes_and_can_be_deleted(store: SqlStore) -> None:
    big = bytes(range(256)) * 20_000  # 5 MB: more than MySQL's plain BLOB holds
    images = [ImageInput(b"\x89PNG-a", "image/png"), ImageInput(big, "image/jpeg", role="mask")]
    await store.tasks.insert(make_task("11"), images)
    assert await store.tasks.load_inputs("11") == images
    await store.tasks.delete_inputs("11")
    assert await store.tasks.load_inputs("11") == []


async def test_added_inputs_follow_the_stored_ones(store: SqlStore) -> None:
    first = ImageInput(b"first", "image/png")
    mask = ImageInput(b"mask", "image/png", role="mask")
    await store.tasks.insert(make_task("12"), [first])
    await store.tasks.add_inputs("12", [mask])
    assert await store.tasks.load_inputs("12") == [first, mask]


async def test_max_id_is_zero_when_empty_then_the_largest(store: SqlStore) -> None:
    assert await store.tasks.max_id() == 0
    await store.tasks.insert(make_task("8999999999999999"))
    await store.tasks.insert(make_task("12"))
    assert await store.tasks.max_id() == 8999999999999999


async def test_a_task_change_and_its_announcement_are_written_together(store: SqlStore) -> None:
    announce = Announcement(url="http://127.0.0.1/hook", payload="{}", created_ms=5, deadline_ms=9)
    task = make_task("1320098173412600", version=1)
    await store.tasks.insert(task, announcement=announce)
    changed = dataclasses.replace(task, status=TaskStatus.SUBMITTED, version=2)
    assert await store.tasks.update(changed, expected_version=1, announcement=announce)
    # A lost race writes neither the state nor its announcement.
    stale = dataclasses.replace(task, status=TaskStatus.FAILURE, version=2)
    assert not await store.tasks.update(stale, expected_version=1, announcement=announce)
    deliveries, total = await store.outbox.list_recent(limit=10)
    assert total == 2
    assert sorted(d.task_version for d in deliveries) == [1, 2]
    assert {(d.task_id, d.url, d.payload, d.created_ms) for d in deliveries} == {
        ("1320098173412600", "http://127.0.0.1/hook", "{}", 5)
    }
