"""The slot book: FAST and TURBO share an account's fast slots, whatever the order of events."""

from __future__ import annotations

from mjproxy.domain.account import Account, ModeLimits
from mjproxy.domain.task import Mode
from mjproxy.services.slots import SlotBook

LIMITS = {Mode.FAST: ModeLimits(running=2), Mode.TURBO: ModeLimits(running=2)}


def test_fast_and_turbo_share_the_fast_slots_through_takes_and_frees() -> None:
    book = SlotBook()
    account = Account(id="a", limits=LIMITS)
    book.take("a", Mode.FAST, "1")
    book.take("a", Mode.FAST, "1")  # taken twice (an adopted task): still one slot
    book.take("a", Mode.TURBO, "2")
    assert not book.has_free_slot(account, Mode.FAST)
    assert not book.has_free_slot(account, Mode.TURBO)
    assert book.free_slots(account, Mode.FAST) == 0
    assert book.load(account, Mode.TURBO) == 1.0
    assert book.free("a", Mode.TURBO, "2")
    assert not book.free("a", Mode.TURBO, "2")  # freed twice: given back once
    assert book.has_free_slot(account, Mode.TURBO)
    assert book.free_slots(account, Mode.FAST) == 1
    assert book.load(account, Mode.FAST) == 0.5
    assert book.has_free_slot(account, Mode.RELAX)  # relax has slots of its own
