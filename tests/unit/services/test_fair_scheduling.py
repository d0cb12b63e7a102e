"""The fair waiting line, selection rules, shared fast slots, pacing, daily limits, pinning."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts, ModeLimits
from mjproxy.domain.errors import NoAvailableAccount, QueueFull
from mjproxy.domain.task import AccountFilter, Mode, Task, TaskAction, TaskUpdate
from mjproxy.engines.base import AccountEvent, EngineSinks
from mjproxy.services.accounts import AccountPool
from mjproxy.services.placement import Demand
from mjproxy.services.scheduler import Scheduler
from mjproxy.store.sql import open_store
from tests.scripted_engine import ScriptedEngine

ONE = {mode: ModeLimits(running=1, queued=2) for mode in Mode}


@dataclass
class FakeClock:
    now_s: float = 1000.0

    def __call__(self) -> float:
        return self.now_s


Build = Callable[..., Scheduler]


def account(account_id: str, **fields: object) -> Account:
    values: dict[str, object] = {"engine": "scripted", "state": AccountState.READY, "limits": ONE}
    values.update(fields)
    return Account(id=account_id, channel_id=f"c-{account_id}", **values)  # type: ignore[arg-type]


def task(task_id: str, **fields: object) -> Task:
    return Task(id=task_id, action=TaskAction.IMAGINE, submit_time_ms=1, **fields)  # type: ignore[arg-type]


async def _ignore(event: TaskUpdate | AccountEvent) -> None:
    return None


@pytest.fixture
async def build(sqlite_url: str) -> AsyncIterator[Build]:
    store = await open_store(sqlite_url)

    def make(*accounts: Account, **options: object) -> Scheduler:
        scheduler = Scheduler(
            pool=AccountPool(accounts, clock_ms=lambda: 0),
            store=store.tasks,
            accounts=store.accounts,
            task_timeout_s=60,
            start_timeout_s=5,
            **options,  # type: ignore[arg-type]
        )
        engine = ScriptedEngine(EngineSinks(_ignore, _ignore))
        scheduler.connect(engines={"scripted": engine}, updates=_ignore)
        return scheduler

    yield make
    await store.aclose()


def admit(scheduler: Scheduler, task_id: str, **options: object) -> tuple[str | None, int | None]:
    """Admit and commit a task; (account id or None, queue position)."""
    modes = options.pop("modes", [Mode.FAST])
    admission = scheduler.admit(task(task_id), modes=modes, **options)  # type: ignore[arg-type]
    scheduler.commit(admission)
    return (admission.account.id if admission.account else None, admission.queue_position)


def holder(scheduler: Scheduler, task_id: str) -> str | None:
    """The account a task holds a slot on, if any."""
    for account_id in ("a", "b", "c"):
        if task_id in scheduler.running_on(account_id):
            return account_id
    return None


async def test_a_freed_slot_takes_the_oldest_waiting_task_whichever_account_frees_it(
    build: Build,
) -> None:
    scheduler = build(account("a"), account("b"))
    placed = [admit(scheduler, str(n)) for n in range(1, 5)]
    scheduler.release("2")  # b frees first
    after_b = holder(scheduler, "3"), holder(scheduler, "4")
    scheduler.release("1")
    assert placed == [("a", None), ("b", None), (None, 0), (None, 1)]
    assert after_b == ("b", None)
    assert holder(scheduler, "4") == "a"


async def test_a_waiting_task_goes_only_where_its_filter_allows(build: Build) -> None:
    scheduler = build(account("a", remark="team red"), account("b", remark="team blue"))
    admit(scheduler, "1")
    admit(scheduler, "2")
    red = admit(scheduler, "3", wanted=AccountFilter(remark="red"))
    anyone = admit(scheduler, "4")
    scheduler.release("2")  # b frees: the red task may not go there, the next one does
    assert red == (None, 0)
    assert anyone == (None, 1)
    assert (holder(scheduler, "3"), holder(scheduler, "4")) == (None, "b")
    scheduler.release("1")
    assert holder(scheduler, "3") == "a"


async def test_the_position_counts_only_tasks_competing_for_the_same_accounts(
    build: Build,
) -> None:
    scheduler = build(account("a", remark="red"), account("b", remark="blue"))
    admit(scheduler, "1")
    admit(scheduler, "2")
    red = admit(scheduler, "3", wanted=AccountFilter(remark="red"))
    blue = admit(scheduler, "4", wanted=AccountFilter(remark="blue"))
    anyone = admit(scheduler, "5")
    assert [red[1], blue[1], anyone[1]] == [0, 0, 2]


async def test_the_line_holds_what_the_eligible_accounts_queue_limits_allow(
    build: Build,
) -> None:
    scheduler = build(account("a"), account("b"))
    for n in range(1, 7):  # 2 running + 2 × 2 waiting
        admit(scheduler, str(n))
    with pytest.raises(QueueFull):
        admit(scheduler, "7")
    with pytest.raises(QueueFull):  # only a's 2 places count, and 4 tasks could take them
        admit(scheduler, "8", wanted=AccountFilter(instance_id="a"))


async def test_least_loaded_alternates_between_equal_accounts_and_prefers_weight(
    build: Build,
) -> None:
    three = {Mode.FAST: ModeLimits(running=3, queued=0)}
    scheduler = build(account("a", limits=three), account("b", limits=three))
    picks = [admit(scheduler, str(n))[0] for n in range(4)]
    heavy = build(account("a", limits=three), account("b", limits=three, weight=5))
    assert picks == ["a", "b", "a", "b"]
    assert admit(heavy, "x")[0] == "b"


async def test_weighted_random_picks_in_proportion_to_weight(build: Build) -> None:
    many = {Mode.FAST: ModeLimits(running=1000, queued=0)}
    scheduler = build(
        account("a", limits=many),
        account("b", limits=many, weight=3),
        selection="weighted_random",
        rng=random.Random(7),
    )
    counts = Counter(admit(scheduler, str(n))[0] for n in range(400))
    assert 240 < counts["b"] < 360  # expected 300 of 400


async def test_round_robin_takes_turns_and_skips_a_full_account(build: Build) -> None:
    two = {Mode.FAST: ModeLimits(running=2, queued=0)}
    scheduler = build(
        account("a", limits=two),
        account("b", limits={Mode.FAST: ModeLimits(running=1, queued=0)}),
        account("c", limits=two),
        selection="round_robin",
    )
    picks = [admit(scheduler, str(n))[0] for n in range(5)]
    assert picks == ["a", "b", "c", "a", "c"]


async def test_fast_and_turbo_share_the_fast_slots(build: Build) -> None:
    limits = {
        Mode.FAST: ModeLimits(running=2, queued=5),
        Mode.TURBO: ModeLimits(running=2, queued=5),
    }
    scheduler = build(account("a", limits=limits))
    placed = [
        admit(scheduler, "1", modes=[Mode.FAST]),
        admit(scheduler, "2", modes=[Mode.TURBO]),
        admit(scheduler, "3", modes=[Mode.TURBO]),
        admit(scheduler, "4", modes=[Mode.RELAX]),
    ]
    assert placed == [("a", None), ("a", None), (None, 0), ("a", None)]


async def test_an_accounts_pause_between_submits_holds_the_next_task_back(build: Build) -> None:
    clock = FakeClock()
    three = {Mode.FAST: ModeLimits(running=3, queued=5)}
    paced = account("a", limits=three, submit_pause_s=(10.0, 10.0))
    scheduler = build(paced, clock_s=clock)
    first = admit(scheduler, "1")
    second = admit(scheduler, "2")
    scheduler.fill("a")
    still_waiting = holder(scheduler, "2")
    clock.now_s += 10
    scheduler.fill("a")  # what the wake-up timer does when the pause is over
    assert (first, second, still_waiting) == (("a", None), (None, 0), None)
    assert holder(scheduler, "2") == "a"


async def test_a_paused_account_does_not_keep_work_from_a_free_one(build: Build) -> None:
    three = {Mode.FAST: ModeLimits(running=3, queued=5)}
    scheduler = build(
        account("a", limits=three, submit_pause_s=(60.0, 60.0)), account("b", limits=three)
    )
    picks = [admit(scheduler, str(n))[0] for n in range(3)]
    assert picks == ["a", "b", "b"]


async def test_an_account_past_its_daily_limit_takes_no_more(build: Build) -> None:
    scheduler = build(account("a", daily_limit=2, limits={Mode.FAST: ModeLimits(5, 5)}))
    placed = [admit(scheduler, "1"), admit(scheduler, "2")]
    with pytest.raises(NoAvailableAccount, match="daily job limit"):
        admit(scheduler, "3")
    assert placed == [("a", None), ("a", None)]


async def test_the_default_mode_falls_back_only_when_no_account_can_run_it(build: Build) -> None:
    spent = account("a", facts=MidjourneyFacts(fast_exhausted=True))
    scheduler = build(spent)
    with pytest.raises(NoAvailableAccount, match="FAST"):
        admit(scheduler, "1", modes=[Mode.FAST])
    fell_back = scheduler.admit(task("2"), modes=[Mode.FAST], fallback=[Mode.RELAX])
    busy = build(account("b"))
    admit(busy, "3", modes=[Mode.FAST])
    waits = busy.admit(task("4"), modes=[Mode.FAST], fallback=[Mode.RELAX])
    assert fell_back.mode is Mode.RELAX
    assert (waits.mode, waits.queue_position) == (Mode.FAST, 0)


def pinned(task_id: str, to: str, *, same_channel: str | None = None) -> Demand:
    return Demand(
        task_id,
        TaskAction.UPSCALE,
        task(task_id).bot_type,
        account_ids=frozenset({to}),
        same_channel=same_channel,
    )


async def test_a_follow_up_waits_for_its_own_account_only(build: Build) -> None:
    scheduler = build(account("a"), account("b"))
    admit(scheduler, "1", wanted=AccountFilter(instance_id="a"))
    follow_up = scheduler.admit(task("2"), modes=[Mode.FAST], demand=pinned("2", "a"))
    scheduler.commit(follow_up)
    other = admit(scheduler, "3")
    assert (follow_up.account.id if follow_up.account else None) == "a"
    assert follow_up.queue_position == 0
    assert other == ("b", None)


async def test_a_stranded_follow_up_moves_within_its_channel_or_fails(build: Build) -> None:
    a = account("a")
    b = account("b")
    b.channel_id = "c-a"  # b sits in a's channel and can press buttons on a's messages
    scheduler = build(a, b, account("c"))
    admit(scheduler, "1", wanted=AccountFilter(instance_id="a"))
    admit(scheduler, "2", wanted=AccountFilter(instance_id="b"))
    for task_id, same in (("3", "c-a"), ("4", None)):
        scheduler.commit(
            scheduler.admit(
                task(task_id), modes=[Mode.FAST], demand=pinned(task_id, "a", same_channel=same)
            )
        )
    a.state = AccountState.QUARANTINED
    failed = await scheduler.strand("a", "The account a is quarantined: captcha")
    scheduler.release("2")
    assert failed == 1  # task 4 may not leave a's account
    assert holder(scheduler, "3") == "b"
