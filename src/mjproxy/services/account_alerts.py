"""The account alert webhook: every account state change, POSTed to `pool.alert_hook`.

Alerts go through the same outbox as task webhooks (`services/outbox.py`): retried with
backoff, signed with `webhooks.signing_secret`, sent only to addresses the SSRF policy
allows, and kept in the delivery log (topic `account:<id>`). They carry task id 0, so the
outbox sends them strictly one after another, in the order the changes happened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from mjproxy.domain.account import Account, AccountState
from mjproxy.services.outbox import RetryPolicy
from mjproxy.store.base import OutboxRepository
from mjproxy.store.errors import StoreError

logger = logging.getLogger(__name__)

ALERT_TASK_ID = "0"
EVENT = "account.state"


def alert_payload(
    account: Account, *, previous: AccountState, previous_reason: str, now_ms: int
) -> dict[str, Any]:
    """The alert body: what changed, and the account as an operator needs it (no token)."""
    facts = account.facts
    return {
        "event": EVENT,
        "time": now_ms,
        "accountId": account.id,
        "state": account.state.value,
        "reason": account.state_reason,
        "since": account.state_since_ms,
        "previousState": previous.value,
        "previousReason": previous_reason,
        "account": {
            "id": account.id,
            "channelId": account.channel_id,
            "guildId": account.guild_id,
            "enable": account.enabled,
            "remark": account.remark,
            "fastExhausted": facts.fast_exhausted,
            "fastTimeRemainingHours": facts.fast_time_remaining_h,
            "jobMode": facts.job_mode,
            "subscription": facts.subscription,
        },
    }


class AccountAlerts:
    """Queues one delivery per account state change for the configured alert hook."""

    def __init__(
        self,
        *,
        url: str,
        outbox: OutboxRepository,
        retry: RetryPolicy,
        wake: Callable[[], None],
        clock_ms: Callable[[], int],
    ) -> None:
        self._url = url
        self._outbox = outbox
        self._retry = retry
        self._wake = wake
        self._clock_ms = clock_ms

    async def state_changed(
        self, account: Account, *, previous: AccountState, previous_reason: str
    ) -> None:
        now_ms = self._clock_ms()
        body = alert_payload(
            account, previous=previous, previous_reason=previous_reason, now_ms=now_ms
        )
        try:
            delivery_id = await self._outbox.enqueue(
                task_id=ALERT_TASK_ID,
                task_version=0,
                url=self._url,
                payload=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                now_ms=now_ms,
                deadline_ms=now_ms + int(self._retry.retry_window_s * 1000),
                topic=f"account:{account.id}",
            )
        except StoreError as exc:
            logger.warning("account %s: alert not queued, the store failed: %s", account.id, exc)
            return
        self._wake()
        logger.debug("account %s: alert queued as delivery %d", account.id, delivery_id)
