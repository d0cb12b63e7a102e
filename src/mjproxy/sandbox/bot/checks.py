"""What can go wrong before a job starts, and the scenarios a test can trigger on purpose.

A scenario comes from the account (flags set through the control API), from `Account.arm`
(the next command hits it), or from a keyword in the prompt (`sbx-stop`, …, see
`PROMPT_TRIGGERS`). Each ends in the embed, iframe or event Midjourney answers with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from mjproxy.sandbox.accounts import Mode, Plan
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.formats import FAILED_CONTENT
from mjproxy.sandbox.bot.gates import Gates
from mjproxy.sandbox.bot.layouts import CAPTCHA_PATH, CAPTCHA_TITLE, IFRAME_CUSTOM_ID
from mjproxy.sandbox.bot.prompts import ParsedPrompt
from mjproxy.sandbox.bot.replies import Replies
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.interactions import Interaction
from mjproxy.sandbox.protocol import InteractionFailure


class Scenario(StrEnum):
    BANNED_PROMPT = "banned_prompt"
    INVALID_PARAMETER = "invalid_parameter"
    QUEUE_FULL = "queue_full"
    CREDITS_EXHAUSTED = "credits_exhausted"
    RELAX_UNAVAILABLE = "relax_unavailable"
    SUBSCRIPTION_REQUIRED = "subscription_required"
    BLOCKED = "blocked"
    PENDING_MOD = "pending_mod"
    ACTION_NEEDED = "action_needed"
    CAPTCHA = "captcha"
    OUTPUT_FILTER = "output_filter"
    FAILED = "failed"
    TIMEOUT = "timeout"
    STOPPED = "stopped"  # mid-job: the progress message ends "(Stopped)"
    MODERATED = "moderated"  # mid-job: the progress message is deleted


MID_JOB = frozenset({Scenario.STOPPED, Scenario.MODERATED})
PROMPT_TRIGGERS: dict[str, Scenario] = {
    "sbx-invalid": Scenario.INVALID_PARAMETER,
    "sbx-queue-full": Scenario.QUEUE_FULL,
    "sbx-credits": Scenario.CREDITS_EXHAUSTED,
    "sbx-subscription": Scenario.SUBSCRIPTION_REQUIRED,
    "sbx-blocked": Scenario.BLOCKED,
    "sbx-pending-mod": Scenario.PENDING_MOD,
    "sbx-action-needed": Scenario.ACTION_NEEDED,
    "sbx-captcha": Scenario.CAPTCHA,
    "sbx-output-filter": Scenario.OUTPUT_FILTER,
    "sbx-fail": Scenario.FAILED,
    "sbx-timeout": Scenario.TIMEOUT,
    "sbx-stop": Scenario.STOPPED,
    "sbx-moderate": Scenario.MODERATED,
}


class Outcome(StrEnum):
    PROCEED = "proceed"
    PROCEED_ACKNOWLEDGED = "proceed_acknowledged"  # a gate already sent INTERACTION_SUCCESS
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class Verdict:
    scenario: Scenario | None = None
    fields: dict[str, object] = field(default_factory=dict)


class Checks:
    def __init__(self, ctx: BotContext, replies: Replies, gates: Gates) -> None:
        self._ctx = ctx
        self._replies = replies
        self._gates = gates

    def vet(
        self,
        ix: Interaction,
        *,
        prompt: str,
        parsed: ParsedPrompt | None,
        mode: Mode | None,
        account_only: bool = False,
    ) -> Verdict:
        """The first thing that stops (or later spoils) this command, or an empty verdict.

        `account_only` checks just the account's standing (for U1–U4 and other instant replies,
        which must not use up an armed scenario).
        """
        account = ix.account
        flagged = self._account_trouble(ix)
        if flagged is not None or account_only:
            return Verdict(flagged)
        armed = account.take_armed()
        if armed is not None:
            return Verdict(Scenario(armed), {"word": "", "parameter": armed})
        lowered = prompt.lower()
        for keyword, scenario in PROMPT_TRIGGERS.items():
            if keyword in lowered:
                return Verdict(scenario, {"parameter": keyword})
        for word in self._ctx.config.banned_words:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", prompt, re.IGNORECASE):
                return Verdict(Scenario.BANNED_PROMPT, {"word": word})
        if parsed is not None and parsed.invalid is not None:
            return Verdict(Scenario.INVALID_PARAMETER, {"parameter": parsed.invalid})
        if mode in (Mode.FAST, Mode.TURBO) and account.fast_time_s <= 0:
            return Verdict(Scenario.CREDITS_EXHAUSTED)
        if mode == Mode.RELAX and account.limits.relax_concurrency == 0:
            return Verdict(Scenario.RELAX_UNAVAILABLE)
        return Verdict()

    @staticmethod
    def _account_trouble(ix: Interaction) -> Scenario | None:
        account = ix.account
        if account.flags.captcha:
            return Scenario.CAPTCHA
        if account.flags.blocked:
            return Scenario.BLOCKED
        if account.plan == Plan.NONE:
            return Scenario.SUBSCRIPTION_REQUIRED
        if account.flags.pending_mod:
            return Scenario.PENDING_MOD
        return None

    async def enforce(
        self,
        ix: Interaction,
        verdict: Verdict,
        *,
        reference: StoredMessage | None = None,
        acknowledge: bool = True,
    ) -> Outcome:
        """Answer `ix` the way its scenario demands; say whether the job may go on."""
        scenario = verdict.scenario
        if scenario is None or scenario in MID_JOB:
            return Outcome.PROCEED
        if scenario == Scenario.CAPTCHA:
            token = self._ctx.ids.short_code(24)
            await self._replies.iframe(
                ix,
                custom_id=IFRAME_CUSTOM_ID.format(token=token),
                title=CAPTCHA_TITLE,
                path=CAPTCHA_PATH.format(token=token),
            )
            return Outcome.STOP
        if scenario == Scenario.TIMEOUT:
            await self._ctx.clock.sleep(self._ctx.timings.interaction_timeout_s)
            self._replies.failed(ix, InteractionFailure.TIMEOUT)
            return Outcome.STOP
        if scenario == Scenario.FAILED:
            data = self._replies.compose(ix, content=FAILED_CONTENT, reference=reference)
            await self._replies.respond(
                ix, lambda: self._replies.post(ix, data), acknowledge=acknowledge
            )
            return Outcome.STOP
        if scenario in (Scenario.PENDING_MOD, Scenario.ACTION_NEEDED):
            passed = await self._gates.hold(
                ix, scenario.value, reference=reference, acknowledge=acknowledge
            )
            return Outcome.PROCEED_ACKNOWLEDGED if passed else Outcome.STOP
        fields = {"word": "", "parameter": "", **verdict.fields}
        await self._replies.embed(
            ix, scenario.value, fields=fields, reference=reference, acknowledge=acknowledge
        )
        return Outcome.STOP
