"""The account pool table on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts, ModeLimits, Secret
from mjproxy.domain.task import BotType, Mode
from mjproxy.store.accounts import SqlAccountRepository
from mjproxy.store.sql import SqlStore, open_store

TOKEN = "MTA5.token-stored-as-written.Xy"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.aclose()


def sample(account_id: str = "main", **fields: object) -> Account:
    values: dict[str, object] = {
        "channel_id": "1118138338562560102",
        "guild_id": "1118138338562560000",
        "user_token": Secret(TOKEN),
        "user_agent": "Mozilla/5.0",
        "bots": frozenset({BotType.MID_JOURNEY}),
        "modes": frozenset({Mode.FAST, Mode.RELAX}),
        "limits": {Mode.FAST: ModeLimits(running=12, queued=4)},
        "remix": True,
        "weight": 3,
        "remark": "团队 blue",
        "daily_limit": 200,
        "submit_pause_s": (1.5, 3.0),
        "state": AccountState.READY,
        "state_reason": "connected",
        "state_since_ms": 7,
        "created_ms": 5,
        **fields,
    }
    return Account(id=account_id, **values)  # type: ignore[arg-type]


async def test_an_account_round_trips_with_every_field(store: SqlStore) -> None:
    account = sample(facts=MidjourneyFacts(subscription="Pro", fast_time_remaining_h=12.5))
    await store.accounts.insert_account(account)
    loaded = await store.accounts.get_account("main")
    assert loaded == account
    assert loaded is not None
    assert loaded.user_token.reveal() == TOKEN


async def test_a_taken_id_is_refused(store: SqlStore) -> None:
    await store.accounts.insert_account(sample())
    with pytest.raises(ValueError, match="main"):
        await store.accounts.insert_account(sample())


async def test_accounts_are_listed_in_creation_order(store: SqlStore) -> None:
    for account_id, created in (("b", 1), ("a", 2), ("c", 3)):
        await store.accounts.insert_account(sample(account_id, created_ms=created))
    assert [a.id for a in await store.accounts.list_accounts()] == ["b", "a", "c"]


async def test_settings_state_and_facts_are_saved_apart(store: SqlStore) -> None:
    repository: SqlAccountRepository = store.accounts
    await repository.insert_account(sample())
    stale = sample(weight=9, state=AccountState.CONNECTING)  # a writer with an old state
    await repository.save_state(
        "main", state=AccountState.QUARANTINED, reason="captcha", since_ms=11
    )
    await repository.save_facts("main", MidjourneyFacts(job_mode="Relaxed", fast_exhausted=True))
    assert await repository.save_account(stale)
    loaded = await repository.get_account("main")
    assert loaded is not None
    assert loaded.weight == 9
    assert (loaded.state, loaded.state_reason, loaded.state_since_ms) == (
        AccountState.QUARANTINED, "captcha", 11,
    )  # fmt: skip
    assert loaded.facts == MidjourneyFacts(job_mode="Relaxed", fast_exhausted=True)


async def test_the_daily_counter_counts_every_job_and_starts_over_each_day(
    store: SqlStore,
) -> None:
    await store.accounts.insert_account(sample())
    counts = await asyncio.gather(
        *(store.accounts.count_job("main", day="2026-11-24") for _ in range(5))
    )
    next_day = await store.accounts.count_job("main", day="2026-11-25")
    loaded = await store.accounts.get_account("main")
    assert sorted(counts) == [1, 2, 3, 4, 5]
    assert next_day == 1
    assert loaded is not None
    assert (loaded.jobs_day, loaded.jobs_today) == ("2026-11-25", 1)


async def test_delete_and_unknown_ids(store: SqlStore) -> None:
    await store.accounts.insert_account(sample())
    assert await store.accounts.delete_account("main")
    assert not await store.accounts.delete_account("main")
    assert not await store.accounts.save_account(sample())
    assert await store.accounts.get_account("main") is None


async def test_an_account_alert_keeps_its_topic_in_the_outbox(store: SqlStore) -> None:
    delivery_id = await store.outbox.enqueue(
        task_id="0",
        task_version=0,
        url="http://127.0.0.1:9/alerts",
        payload="{}",
        now_ms=1,
        deadline_ms=2,
        topic="account:main",
    )
    delivery = await store.outbox.get(delivery_id)
    assert delivery is not None
    assert (delivery.task_id, delivery.topic) == ("0", "account:main")
