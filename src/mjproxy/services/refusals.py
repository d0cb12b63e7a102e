"""Why no account can take a task: one clear sentence for code 3."""

from __future__ import annotations

from collections.abc import Sequence

from mjproxy.domain.errors import NoAvailableAccount
from mjproxy.domain.task import Mode, Task
from mjproxy.services.accounts import AccountPool
from mjproxy.services.placement import Demand, Eligibility

NO_ACCOUNT_CONFIGURED = (
    "No account is configured. Add a Discord account under 'accounts:' in the config file "
    "or through the admin API (see docs/accounts.md), or run 'mjproxy serve --sandbox' to "
    "try the API against the built-in simulator."
)


def refusal(
    pool: AccountPool,
    eligibility: Eligibility,
    task: Task,
    demand: Demand,
    modes: Sequence[Mode],
) -> NoAvailableAccount:
    """The most specific reason: the parent's account is down, no account at all, the named
    account is not ready, daily limits are used up, or nothing runs this kind of task."""
    if demand.account_ids is not None and len(demand.account_ids) == 1:
        (pinned,) = demand.account_ids
        account = pool.get(pinned)
        if account is None or not account.is_in_pool:
            state = f" ({account.state}: {account.state_reason})" if account else ""
            return NoAvailableAccount(
                f"The account {pinned} that ran the parent task is not available{state}."
            )
    if not pool.all():
        return NoAvailableAccount(NO_ACCOUNT_CONFIGURED)
    named = pool.get(demand.wanted.instance_id) if demand.wanted else None
    if named is not None and not named.is_in_pool:
        reason = f": {named.state_reason}" if named.state_reason else "."
        return NoAvailableAccount(f"The account {named.id} is {named.state}{reason}")
    today = eligibility.today()
    spent = [
        a.id
        for a in pool.all()
        if a.is_in_pool
        and not a.has_jobs_left(today)
        and any(eligibility.can_ever(a, demand, mode) for mode in modes)
    ]
    if spent:
        return NoAvailableAccount(
            f"Every account that could run this task has used its daily job limit "
            f"({', '.join(spent)}); the limits start over at midnight UTC."
        )
    names = ", ".join(mode.value for mode in dict.fromkeys(modes))
    return NoAvailableAccount(
        f"No ready account can run {task.action} tasks for {task.bot_type} in the {names} mode."
    )
