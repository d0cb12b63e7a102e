"""The hook where prompts are checked and prepared before any task is stored.

`TaskService` calls `prepare` on every prompt a client writes: imagine, shorten, edits,
video and modal confirmations. The real pipeline (`services/prompt_pipeline.py`: parameter
checks, banned words, Chinese → English) has exactly this shape and plugs in through
`create_app(pipeline=...)`; the default only reads the speed-mode flags.
"""

from __future__ import annotations

from typing import Protocol

from mjproxy.domain.prompt import parse_prompt, requests_niji, speed_modes, strip_speed_flags
from mjproxy.domain.task import BotType
from mjproxy.services.prompt_pipeline import PreparedPrompt

__all__ = ["PassThroughPipeline", "PreparedPrompt", "PromptPreparer"]


class PromptPreparer(Protocol):
    async def prepare(
        self, prompt: str, *, bot_type: BotType = BotType.MID_JOURNEY
    ) -> PreparedPrompt:
        """Check and translate a non-blank `prompt`.

        Raises `BannedPrompt` (code 24), `InvalidPrompt` (code 4) or another
        `RequestRejected`; nothing is stored when it raises.
        """
        ...


class PassThroughPipeline:
    """No checks, no translation: `prompt_en` is the prompt itself."""

    async def prepare(
        self, prompt: str, *, bot_type: BotType = BotType.MID_JOURNEY
    ) -> PreparedPrompt:
        parsed = parse_prompt(prompt)
        return PreparedPrompt(
            prompt=prompt,
            prompt_en=prompt,
            final_prompt=strip_speed_flags(parsed),
            final_zh_prompt=None,
            modes=speed_modes(parsed),
            niji=requests_niji(parsed),
            version=None,
        )
