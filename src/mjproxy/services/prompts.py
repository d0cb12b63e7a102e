"""The hook where prompts are checked and prepared before any task is stored.

`TaskService` calls the pipeline on every prompt a client writes: imagine, shorten, blend
(when a prompt is sent), edits, video and modal confirmations. The real pipeline (banned
words, Chinese → English translation, parameter checks) plugs in through `create_app`;
the default passes prompts through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mjproxy.domain.task import BotType, TaskAction


@dataclass(frozen=True, slots=True)
class PromptInput:
    """A prompt as the client wrote it (already trimmed), and what it is for."""

    text: str
    action: TaskAction
    bot_type: BotType


@dataclass(frozen=True, slots=True)
class PreparedPrompt:
    """`prompt` is what the task shows as its prompt; `prompt_en` is what goes upstream."""

    prompt: str
    prompt_en: str
    final_zh_prompt: str | None = None


class PromptPipeline(Protocol):
    async def prepare(self, prompt: PromptInput) -> PreparedPrompt:
        """Check and translate `prompt`.

        Raises `BannedPrompt` (code 24), `InvalidPrompt` (code 4) or another
        `RequestRejected`; nothing is stored when it raises.
        """
        ...


class PassThroughPipeline:
    """No checks, no translation: `prompt_en` is the prompt itself."""

    async def prepare(self, prompt: PromptInput) -> PreparedPrompt:
        return PreparedPrompt(prompt=prompt.text, prompt_en=prompt.text)
