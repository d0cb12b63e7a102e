"""Config accounts at start: new ones added whole, known ones updated field by field."""

from __future__ import annotations

from mjproxy.config import AccountSettings, load_settings
from mjproxy.domain.account import Account, AccountState, ModeLimits, Secret
from mjproxy.domain.task import Mode
from mjproxy.services.account_seed import apply_config, new_account, starting_state


def config_account(**fields: object) -> AccountSettings:
    settings = load_settings(environ={}, overrides={"accounts": [{"id": "a", **fields}]})
    return settings.accounts[0]


def test_a_new_config_account_takes_every_field_with_a_hidden_token() -> None:
    item = config_account(user_token="sekret-77", enabled=False, modes=["RELAX"], weight=3)
    account = new_account(item, now_ms=5)
    assert account.user_token.reveal() == "sekret-77"
    assert "sekret-77" not in repr(account)
    assert account.modes == frozenset({Mode.RELAX})
    assert (account.weight, account.channel_id, account.created_ms) == (3, "a", 5)
    assert account.state is AccountState.DISABLED


def test_only_fields_written_in_the_file_overwrite_a_stored_account() -> None:
    stored = Account(id="a", weight=7, remark="set by the API", state=AccountState.READY)
    changed = apply_config(stored, config_account(remark="from the file"), now_ms=9)
    assert changed
    assert (stored.remark, stored.weight) == ("from the file", 7)
    assert stored.state is AccountState.READY  # no connection setting changed


def test_a_new_token_in_the_file_clears_a_quarantine() -> None:
    stored = Account(
        id="a", user_token=Secret("old"), state=AccountState.QUARANTINED, state_reason="captcha"
    )
    apply_config(stored, config_account(user_token="new"), now_ms=9)
    assert (stored.state, stored.state_since_ms) == (AccountState.CONNECTING, 9)


def test_an_unchanged_file_changes_nothing() -> None:
    stored = new_account(config_account(weight=2, limits={"FAST": {"running": 12}}), now_ms=1)
    assert not apply_config(
        stored, config_account(weight=2, limits={"FAST": {"running": 12}}), now_ms=2
    )
    assert stored.limits[Mode.FAST] == ModeLimits(running=12, queued=10)


def test_health_states_survive_a_restart_but_connections_start_over() -> None:
    quarantined = Account(id="q", state=AccountState.QUARANTINED, state_reason="captcha")
    ready = Account(id="r", state=AccountState.READY)
    switched_off = Account(id="off", enabled=False, state=AccountState.READY)
    for account in (quarantined, ready, switched_off):
        starting_state(account, now_ms=3)
    assert (quarantined.state, quarantined.state_reason) == (AccountState.QUARANTINED, "captcha")
    assert ready.state is AccountState.CONNECTING
    assert switched_off.state is AccountState.DISABLED
