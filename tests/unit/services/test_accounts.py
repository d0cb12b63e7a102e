"""The account pool: config accounts, client filters, engine-reported health."""

from __future__ import annotations

import pytest

from mjproxy.config import load_settings
from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.task import AccountFilter, BotType, Mode
from mjproxy.engines.base import AccountEvent
from mjproxy.services.accounts import AccountPool, accounts_from_settings, matches_filter


def ready(account_id: str, **fields: object) -> Account:
    return Account(id=account_id, channel_id=f"c-{account_id}", state=AccountState.READY, **fields)  # type: ignore[arg-type]


def test_config_accounts_become_domain_accounts_with_a_hidden_token() -> None:
    environ = {
        "MJPROXY_SCHEDULER__QUEUED": "7",
        "MJPROXY_ACCOUNTS": (
            '[{"id": "a", "user_token": "sekret-77", "enabled": false, "modes": ["RELAX"]}]'
        ),
    }
    (account,) = accounts_from_settings(load_settings(environ=environ), now_ms=5)
    assert account.user_token.reveal() == "sekret-77"
    assert "sekret-77" not in repr(account)
    assert account.limits_for(Mode.RELAX).queued == 7
    assert account.modes == frozenset({Mode.RELAX})
    assert account.state is AccountState.DISABLED
    assert account.channel_id == "a"


@pytest.mark.parametrize(
    ("wanted", "matches"),
    [
        (None, True),
        (AccountFilter(), True),
        (AccountFilter(instance_id="a"), True),
        (AccountFilter(instance_id="b"), False),
        (AccountFilter(channel_id="c-a"), True),
        (AccountFilter(remark="team"), True),
        (AccountFilter(remark="other"), False),
        (AccountFilter(remix=True), False),
        (AccountFilter(remix=False), True),
        (AccountFilter(remix_auto_considered=False), True),
        (AccountFilter(remix_auto_considered=True), False),
    ],
)
def test_account_filters(wanted: AccountFilter | None, matches: bool) -> None:
    assert matches_filter(ready("a", remark="team blue"), wanted) is matches


def test_candidates_are_ready_accounts_with_the_bot() -> None:
    pool = AccountPool(
        [
            ready("mj-only", bots=frozenset({BotType.MID_JOURNEY})),
            ready("both"),
            Account(id="connecting"),
        ],
        clock_ms=lambda: 0,
    )
    niji = pool.candidates(bot_type=BotType.NIJI_JOURNEY, wanted=None)
    swap = pool.candidates(bot_type=BotType.INSIGHT_FACE, wanted=None)
    assert [account.id for account in niji] == ["both"]
    assert [account.id for account in swap] == ["mj-only", "both"]


def test_engine_events_change_state_and_facts_but_not_an_operators_disable() -> None:
    pool = AccountPool([Account(id="a"), Account(id="off", enabled=False)], clock_ms=lambda: 42)
    pool.apply(AccountEvent("a", state=AccountState.READY, facts=MidjourneyFacts(remix=True)))
    pool.apply(AccountEvent("off", state=AccountState.READY))
    pool.apply(AccountEvent("ghost", state=AccountState.READY))
    a, off = pool.get("a"), pool.get("off")
    assert a is not None
    assert off is not None
    assert (a.state, a.remix, a.state_since_ms) == (AccountState.READY, True, 42)
    assert off.state is not AccountState.READY
