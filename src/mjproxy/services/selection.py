"""Selection rules: which of several accounts with a free slot gets a new task.

- `least_loaded` (default): the smallest share of its running limit in use; ties go to the
  heavier `weight`, then to the account picked least recently, so equal accounts alternate.
- `weighted_random`: a random account, each as likely as its `weight`.
- `round_robin`: the next account after the last one picked, in creation order.

A task that waits is not chosen by a rule: the first eligible account to free a slot
takes the oldest waiting task it may run.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Protocol

from mjproxy.domain.account import Account

Load = Callable[[Account], float]


class SelectionRule(Protocol):
    name: str

    def pick(self, accounts: Sequence[Account], *, load: Load) -> Account:
        """One of `accounts` (never empty), all of which have a free slot."""
        ...


class LeastLoaded:
    name = "least_loaded"

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._last_pick: dict[str, int] = {}

    def pick(self, accounts: Sequence[Account], *, load: Load) -> Account:
        chosen = min(
            accounts,
            key=lambda a: (load(a), -a.weight, self._last_pick.get(a.id, 0), a.id),
        )
        self._last_pick[chosen.id] = next(self._counter)
        return chosen


class WeightedRandom:
    name = "weighted_random"

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def pick(self, accounts: Sequence[Account], *, load: Load) -> Account:
        return self._rng.choices(list(accounts), weights=[a.weight for a in accounts])[0]


class RoundRobin:
    name = "round_robin"

    def __init__(self, order: Callable[[], Sequence[str]]) -> None:
        self._order = order
        self._last: str | None = None

    def pick(self, accounts: Sequence[Account], *, load: Load) -> Account:
        by_id = {account.id: account for account in accounts}
        order = list(self._order())
        order += sorted(set(by_id) - set(order))
        after = order.index(self._last) + 1 if self._last in order else 0
        chosen = next(by_id[i] for i in order[after:] + order[:after] if i in by_id)
        self._last = chosen.id
        return chosen


def selection_rule(
    name: str, *, order: Callable[[], Sequence[str]], rng: random.Random | None = None
) -> SelectionRule:
    """The rule named in `scheduler.selection`."""
    if name == "weighted_random":
        return WeightedRandom(rng)
    if name == "round_robin":
        return RoundRobin(order)
    return LeastLoaded()
