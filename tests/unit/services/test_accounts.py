"""The account pool: client filters and candidates."""

from __future__ import annotations

import pytest

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.task import AccountFilter, BotType
from mjproxy.services.accounts import AccountPool, matches_filter


def ready(account_id: str, **fields: object) -> Account:
    return Account(id=account_id, channel_id=f"c-{account_id}", state=AccountState.READY, **fields)  # type: ignore[arg-type]


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
