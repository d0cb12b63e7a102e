"""Account-level signals in Midjourney's messages: captcha, bans, credits, /info, /settings.

These concern the account, not one task, so they are read from every event whatever task
it belongs to (an "Action needed" embed may carry no nonce at all).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from mjproxy.domain.account import AccountState, MidjourneyFacts
from mjproxy.engines.base import AccountEvent, AccountSink
from mjproxy.engines.discord.events import (
    CommandReply,
    GatewayEvent,
    IframeModalOpened,
    InfoReport,
    MessageEvent,
    Notice,
    SettingsReport,
)
from mjproxy.engines.discord.formats import NoticeEffect

logger = logging.getLogger(__name__)

_STATES = {
    NoticeEffect.QUARANTINE: AccountState.QUARANTINED,
    NoticeEffect.DISABLE: AccountState.DISABLED,
}


class AccountSignals:
    def __init__(
        self,
        *,
        account_id: str,
        sink: AccountSink,
        facts: MidjourneyFacts,
        link: Callable[[str], str] = lambda path: path,
    ) -> None:
        self.account_id = account_id
        self.facts = facts
        self.user_id: str | None = None
        self._sink = sink
        self._link = link

    async def observe(self, event: GatewayEvent) -> None:
        """Report what `event` says about the account, if anything."""
        if isinstance(event, IframeModalOpened) and event.is_captcha:
            await self.signal(
                AccountState.QUARANTINED,
                f"Midjourney asks for a captcha ({event.title}): solve it at "
                f"{self._link(event.iframe_path)} or in Discord, then enable the account.",
            )
        if not isinstance(event, MessageEvent) or not self._for_me(event):
            return
        if isinstance(event, Notice):
            await self._notice(event)
        elif isinstance(event, InfoReport):
            facts = dataclasses.replace(
                event.facts, remix=self.facts.remix, version=self.facts.version
            )
            await self._facts(facts, event.fields)
        elif isinstance(event, SettingsReport):
            await self._facts(
                dataclasses.replace(self.facts, remix=event.remix, version=event.version)
            )
        elif isinstance(event, CommandReply) and event.remix is not None:
            await self._facts(dataclasses.replace(self.facts, remix=event.remix))

    async def signal(self, state: AccountState, reason: str) -> None:
        logger.warning("%s account %s: %s", self.account_id, state, reason)
        await self._sink(AccountEvent(account_id=self.account_id, state=state, reason=reason))

    def _for_me(self, event: MessageEvent) -> bool:
        user = event.envelope.user_id
        return user is None or self.user_id is None or user == self.user_id

    async def _notice(self, notice: Notice) -> None:
        if notice.effect is NoticeEffect.FAST_EXHAUSTED:
            await self._facts(dataclasses.replace(self.facts, fast_exhausted=True))
            return
        state = _STATES.get(notice.effect)
        if state is not None:
            await self.signal(state, f"Midjourney says: {notice.reason}")

    async def _facts(self, facts: MidjourneyFacts, fields: dict[str, str] | None = None) -> None:
        self.facts = facts
        await self._sink(
            AccountEvent(account_id=self.account_id, facts=facts, properties=fields or {})
        )
