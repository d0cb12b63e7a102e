"""Scheduler admission: slots and queues per account and mode, least-loaded choice, FIFO."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import cast

import pytest

from mjproxy.domain.account import Account, AccountState, ModeLimits
from mjproxy.domain.errors import NoAvailableAccount, QueueFull
from mjproxy.domain.task import Mode, Task, TaskAction, TaskStatus, TaskUpdate
from mjproxy.engines.base import AccountEvent, EngineSinks
from mjproxy.services.accounts import AccountPool
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.base import AccountRepository, TaskRepository
from mjproxy.store.errors import StoreError
from mjproxy.store.sql import open_store
from tests.scripted_engine import ScriptedEngine

MakeScheduler = Callable[..., Scheduler]
SMALL = {mode: ModeLimits(running=1, queued=2) for mode in Mode}


def account(account_id: str, **fields: object) -> Account:
    values: dict[str, object] = {"engine": "scripted", "state": AccountState.READY, "limits": SMALL}
    values.update(fields)
    return Account(id=account_id, **values)  # type: ignore[arg-type]


def task(task_id: str, action: TaskAction = TaskAction.IMAGINE) -> Task:
    return Task(id=task_id, action=action, submit_time_ms=1)


async def _ignore_update(update: TaskUpdate) -> None:
    return None


async def _ignore_event(event: AccountEvent) -> None:
    return None


@pytest.fixture
async def make_scheduler(sqlite_url: str) -> AsyncIterator[MakeScheduler]:
    store = await open_store(sqlite_url)

    def build(*accounts: Account, unsupported: frozenset[TaskAction] = frozenset()) -> Scheduler:
        pool = AccountPool(accounts, clock_ms=lambda: 0)
        scheduler = Scheduler(
            pool=pool,
            store=store.tasks,
            accounts=store.accounts,
            task_timeout_s=60,
            start_timeout_s=5,
        )
        engine = ScriptedEngine(EngineSinks(_ignore_update, _ignore_event), unsupported=unsupported)
        scheduler.connect(engines={"scripted": engine}, updates=_ignore_update)
        return scheduler

    yield build
    await store.aclose()


async def test_a_free_slot_on_the_least_loaded_account(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(account("a"), account("b"))
    first = scheduler.admit(task("1"), modes=[Mode.FAST])
    second = scheduler.admit(task("2"), modes=[Mode.FAST])
    assert (first.account.id, first.queue_position) == ("a", None)
    assert (second.account.id, second.queue_position) == ("b", None)


async def test_ties_go_to_the_heavier_weight(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(account("a"), account("b", weight=5))
    assert scheduler.admit(task("1"), modes=[Mode.FAST]).account.id == "b"


async def test_when_every_slot_is_busy_tasks_queue_then_are_refused(
    make_scheduler: MakeScheduler,
) -> None:
    scheduler = make_scheduler(account("a"))
    positions = [scheduler.admit(task(str(n)), modes=[Mode.FAST]).queue_position for n in range(3)]
    with pytest.raises(QueueFull):
        scheduler.admit(task("4"), modes=[Mode.FAST])
    assert positions == [None, 0, 1]


async def test_modes_have_their_own_lanes(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(account("a"))
    scheduler.admit(task("1"), modes=[Mode.FAST])
    relax = scheduler.admit(task("2"), modes=[Mode.RELAX])
    assert (relax.mode, relax.queue_position) == (Mode.RELAX, None)


async def test_a_free_slot_in_a_later_allowed_mode_beats_queueing(
    make_scheduler: MakeScheduler,
) -> None:
    scheduler = make_scheduler(account("a"))
    scheduler.admit(task("1"), modes=[Mode.FAST])
    second = scheduler.admit(task("2"), modes=[Mode.FAST, Mode.RELAX])
    assert (second.mode, second.queue_position) == (Mode.RELAX, None)


async def test_accounts_that_do_not_allow_the_mode_or_action_are_skipped(
    make_scheduler: MakeScheduler,
) -> None:
    scheduler = make_scheduler(
        account("relax-only", modes=frozenset({Mode.RELAX})),
        unsupported=frozenset({TaskAction.SWAP_FACE}),
    )
    with pytest.raises(NoAvailableAccount, match="FAST"):
        scheduler.admit(task("1"), modes=[Mode.FAST])
    with pytest.raises(NoAvailableAccount, match="SWAP_FACE"):
        scheduler.admit(task("2", TaskAction.SWAP_FACE), modes=[Mode.RELAX])


async def test_release_starts_the_next_waiting_task_in_fifo_order(
    make_scheduler: MakeScheduler,
) -> None:
    scheduler = make_scheduler(account("a"))
    for n in range(3):
        scheduler.commit(scheduler.admit(task(str(n)), modes=[Mode.FAST]))
    assert scheduler.counts("a")[Mode.FAST] == (1, 2)
    scheduler.release("0")
    assert scheduler.is_dispatched("1")
    assert not scheduler.is_dispatched("2")
    assert scheduler.pending_task_ids() == ["1", "2"]


async def test_a_task_is_not_started_before_it_is_committed(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(account("a"))
    admission = scheduler.admit(task("1"), modes=[Mode.FAST])
    assert not scheduler.is_dispatched("1")
    scheduler.commit(admission)
    assert scheduler.is_dispatched("1")


async def test_a_withdrawn_reservation_frees_its_place(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(account("a"))
    scheduler.admit(task("1"), modes=[Mode.FAST])
    scheduler.release("1")
    assert scheduler.admit(task("2"), modes=[Mode.FAST]).queue_position is None


async def test_pinned_tasks_only_go_to_their_account(make_scheduler: MakeScheduler) -> None:
    scheduler = make_scheduler(
        account("a"), account("b"), account("down", state=AccountState.QUARANTINED)
    )
    scheduler.admit(task("1"), modes=[Mode.FAST], pinned_to="a")
    pinned = scheduler.admit(task("2"), modes=[Mode.FAST], pinned_to="a")
    assert (pinned.account.id, pinned.queue_position) == ("a", 0)
    with pytest.raises(NoAvailableAccount, match="quarantined"):
        scheduler.admit(task("3"), modes=[Mode.FAST], pinned_to="down")


async def test_waiting_tasks_start_when_the_account_becomes_ready(
    make_scheduler: MakeScheduler,
) -> None:
    connecting = account("a", state=AccountState.CONNECTING)
    scheduler = make_scheduler(connecting)
    waiting = task("1")
    waiting.account_id = "a"
    scheduler.requeue(waiting, fallback_mode=Mode.FAST)
    scheduler.fill("a")
    assert not scheduler.is_dispatched("1")
    connecting.state = AccountState.READY
    scheduler.fill("a")
    assert scheduler.is_dispatched("1")


class _BrokenStore:
    """A repository whose reads fail, as when the database goes away."""

    async def get(self, task_id: str) -> Task | None:
        raise StoreError("The database refused the operation: OperationalError.")


async def test_a_failing_database_fails_the_task_not_the_scheduler() -> None:
    reported: list[TaskUpdate] = []

    async def record(update: TaskUpdate) -> None:
        reported.append(update)
        if len(reported) == 1:
            done.set()

    done = asyncio.Event()
    pool = AccountPool([account("a")], clock_ms=lambda: 0)
    store = cast(TaskRepository, _BrokenStore())
    scheduler = Scheduler(
        pool=pool,
        store=store,
        accounts=cast(AccountRepository, object()),  # never reached: the task read fails
        task_timeout_s=60,
        start_timeout_s=5,
    )
    engine = ScriptedEngine(EngineSinks(_ignore_update, _ignore_event))
    scheduler.connect(engines={"scripted": engine}, updates=record)
    scheduler.commit(scheduler.admit(task("1"), modes=[Mode.FAST]))
    running = asyncio.create_task(scheduler.run())
    async with asyncio.timeout(10):
        await done.wait()
    assert not running.done()
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert reported[0].status is TaskStatus.FAILURE
    assert reported[0].fail_reason == "Internal error while starting: StoreError."
