"""The prompt pipeline: parameter checks, banned words, translation — before anything is queued.

Order, cheapest and least revealing first:
1. parse and check the parameters against the model version (`InvalidPromptParameter`);
2. check the prompt as written for banned words (a hit never reaches a translator);
3. translate Chinese prose to English (`TranslationFailed`, or untranslated by policy);
4. check the translation's parameters again (a translator must not add any) and its words.
In strip mode, steps 2 and 4 cut the words out instead of refusing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from mjproxy.domain.errors import BannedPrompt, InvalidPrompt
from mjproxy.domain.prompt import (
    ParsedPrompt,
    parse_prompt,
    render_without,
    requests_niji,
    speed_modes,
    strip_speed_flags,
)
from mjproxy.domain.prompt_rules import validate_parameters
from mjproxy.domain.task import BotType, Mode
from mjproxy.services.moderation import BannedWordService
from mjproxy.services.prompt_settings import ParameterCheckSettings, PromptSettings
from mjproxy.services.translation import PromptTranslator, build_prompt_translator
from mjproxy.services.word_matcher import TextNormaliser, traditional_to_simplified
from mjproxy.store.base import BannedWordRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PreparedPrompt:
    """A prompt ready for Midjourney, and what the submit reply and the task record need."""

    prompt: str
    # The English prompt with all its parameters: the task's `promptEn`.
    prompt_en: str
    # `prompt_en` without --fast/--relax/--turbo, for an engine that states the mode the
    # scheduler chose itself (today the Discord engine sends `prompt_en`).
    final_prompt: str
    # The original when it was translated (the task's `properties.finalZhPrompt`).
    final_zh_prompt: str | None
    modes: tuple[Mode, ...]
    niji: bool
    version: str | None
    removed_words: tuple[str, ...] = ()
    translation_failed: bool = False

    def properties(self) -> dict[str, Any]:
        """Task properties operators want to see (`finalZhPrompt` is a task field).

        Values are strings or booleans, as Go clients decode properties strictly.
        """
        properties: dict[str, Any] = {}
        if self.removed_words:
            properties["removedBannedWords"] = ", ".join(self.removed_words)
        if self.translation_failed:
            properties["translationFailed"] = True
        return properties


class PromptPipeline:
    """Implements `services/prompts.PromptPreparer`; `start` loads the banned-word list."""

    def __init__(
        self,
        *,
        banned_words: BannedWordService,
        translator: PromptTranslator,
        checks: ParameterCheckSettings,
    ) -> None:
        self._banned_words = banned_words
        self._translator = translator
        self._checks = checks

    @property
    def banned_words(self) -> BannedWordService:
        return self._banned_words

    async def start(self) -> None:
        """Seed the banned words on a fresh database (if configured) and load them."""
        await self._banned_words.start()

    async def aclose(self) -> None:
        await self._translator.aclose()

    async def prepare(
        self, prompt: str, *, bot_type: BotType = BotType.MID_JOURNEY
    ) -> PreparedPrompt:
        """Check, clean and translate `prompt`.

        Raises `InvalidPrompt` (code 4), `BannedPrompt` (code 24) or `TranslationFailed`.
        """
        if not prompt.strip():
            raise InvalidPrompt("The prompt is empty; describe the image to create.")
        parsed = parse_prompt(prompt)
        version = self._check_parameters(parsed, bot_type)
        parsed, removed = self._moderate(parsed)
        translated = await self._translator.translate(parsed)
        if translated.translated:
            parsed = parse_prompt(translated.prompt)
            self._check_parameters(parsed, bot_type)
            parsed, removed_en = self._moderate(parsed)
            removed += removed_en
        prompt_en = parsed.render()
        return PreparedPrompt(
            prompt=prompt,
            prompt_en=prompt_en,
            final_prompt=strip_speed_flags(parsed),
            final_zh_prompt=prompt if translated.translated else None,
            modes=speed_modes(parsed),
            niji=requests_niji(parsed),
            version=version,
            removed_words=removed,
            translation_failed=translated.failed,
        )

    def _check_parameters(self, parsed: ParsedPrompt, bot_type: BotType) -> str | None:
        if not self._checks.enabled:
            return None
        model = validate_parameters(
            parsed,
            bot_type=bot_type,
            assumed_version=self._checks.assumed_version,
            allow_unknown=self._checks.allow_unknown_parameters,
        )
        return model.key

    def _moderate(self, parsed: ParsedPrompt) -> tuple[ParsedPrompt, tuple[str, ...]]:
        if self._banned_words.settings.action == "reject":
            for text in parsed.translatable:
                hit = self._banned_words.find(text)
                if hit is not None:
                    logger.info("prompt refused for banned word %r", hit.word)
                    raise BannedPrompt(hit.word, parsed.render())
            return parsed, ()
        return self._strip(parsed)

    def _strip(self, parsed: ParsedPrompt) -> tuple[ParsedPrompt, tuple[str, ...]]:
        removed: list[str] = []
        texts: list[str] = []
        for text in parsed.translatable:
            kept, words = self._banned_words.strip_words(text)
            texts.append(kept)
            removed.extend(words)
        if not removed:
            return parsed, ()
        stripped = parse_prompt(" ".join(parsed.replace_translatable(texts).split()))
        # A `--no` whose every word was banned would now be empty, which Midjourney refuses.
        stripped = parse_prompt(render_without(stripped, lambda p: p.name == "no" and not p.values))
        if not stripped.has_text and not stripped.image_urls:
            raise InvalidPrompt(
                "Nothing is left of the prompt after removing its banned words; "
                "describe the image differently."
            )
        logger.info("removed %d banned words from a prompt", len(removed))
        return stripped, tuple(removed)


def build_prompt_pipeline(
    settings: PromptSettings,
    *,
    words: BannedWordRepository,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PromptPipeline:
    """The pipeline for `settings`, keeping its word list in `words`; call `start` next."""
    banned_words = BannedWordService(
        words,
        normaliser=TextNormaliser(traditional_to_simplified()),
        settings=settings.banned_words,
    )
    return PromptPipeline(
        banned_words=banned_words,
        translator=build_prompt_translator(settings.translation, transport=transport),
        checks=settings.checks,
    )
