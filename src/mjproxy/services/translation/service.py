"""Translate the Chinese prose of a prompt to English, leaving everything else untouched.

Only the translatable parts of a parsed prompt (prose and `--no` values) that contain
Chinese go to the provider; URLs, `::` weights and parameters are kept byte for byte.
Results are cached per provider and text in a bounded LRU.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import httpx

from mjproxy.domain.errors import TranslationFailed
from mjproxy.domain.prompt import ParsedPrompt, contains_chinese
from mjproxy.services.prompt_settings import TranslationSettings
from mjproxy.services.translation.baidu import BaiduTranslator
from mjproxy.services.translation.base import Translator, build_client
from mjproxy.services.translation.deepl import DeepLTranslator
from mjproxy.services.translation.openai import OpenAITranslator

logger = logging.getLogger(__name__)

# A translation must not smuggle in parameters: `--x` or an em dash (Midjourney reads
# `—x` as `--x`) in the output becomes a plain hyphen.
_DASHES = re.compile(r"-{2,}|\u2014")
_LINE_BREAKS = re.compile(r"[\r\n]+")


@dataclass(frozen=True, slots=True)
class TranslatedPrompt:
    prompt: str
    translated: bool
    # True when the provider failed and the policy let the prompt through untranslated.
    failed: bool = False


class TranslationCache:
    """A bounded least-recently-used map from (provider, text) to its translation."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._max_entries = max_entries

    def get(self, provider: str, text: str) -> str | None:
        key = (provider, text)
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, provider: str, text: str, translation: str) -> None:
        if self._max_entries <= 0:
            return
        self._entries[(provider, text)] = translation
        self._entries.move_to_end((provider, text))
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class PromptTranslator:
    def __init__(
        self,
        translator: Translator | None,
        *,
        on_failure: Literal["reject", "passthrough"] = "reject",
        cache_size: int = 1024,
    ) -> None:
        self._translator = translator
        self._on_failure = on_failure
        self.cache = TranslationCache(cache_size)

    @property
    def enabled(self) -> bool:
        return self._translator is not None

    async def translate(self, parsed: ParsedPrompt) -> TranslatedPrompt:
        """The prompt with its Chinese prose in English.

        Raises `TranslationFailed` unless the failure policy is passthrough.
        """
        if self._translator is None or not parsed.has_chinese:
            return TranslatedPrompt(parsed.render(), translated=False)
        try:
            texts = [await self._translate_part(self._translator, t) for t in parsed.translatable]
        except TranslationFailed as exc:
            if self._on_failure == "reject":
                raise
            logger.warning("translation skipped, prompt sent untranslated: %s", exc)
            return TranslatedPrompt(parsed.render(), translated=False, failed=True)
        return TranslatedPrompt(parsed.replace_translatable(texts), translated=True)

    async def _translate_part(self, translator: Translator, text: str) -> str:
        if not contains_chinese(text):
            return text
        cached = self.cache.get(translator.name, text)
        if cached is not None:
            return cached
        translated = _sanitised(await translator.translate(text))
        self.cache.put(translator.name, text, translated)
        return translated

    async def aclose(self) -> None:
        if self._translator is not None:
            await self._translator.aclose()


def _sanitised(text: str) -> str:
    return _DASHES.sub("-", _LINE_BREAKS.sub(" ", text)).strip()


def build_translator(
    settings: TranslationSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Translator | None:
    """The configured provider (None for provider "none"); it owns its HTTP client."""
    if settings.provider == "openai":
        client = build_client(
            timeout_s=settings.openai.timeout_s, proxy=settings.proxy, transport=transport
        )
        return OpenAITranslator(settings.openai, client=client)
    if settings.provider == "baidu":
        client = build_client(
            timeout_s=settings.baidu.timeout_s, proxy=settings.proxy, transport=transport
        )
        return BaiduTranslator(settings.baidu, client=client)
    if settings.provider == "deepl":
        client = build_client(
            timeout_s=settings.deepl.timeout_s, proxy=settings.proxy, transport=transport
        )
        return DeepLTranslator(settings.deepl, client=client)
    return None


def build_prompt_translator(
    settings: TranslationSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> PromptTranslator:
    return PromptTranslator(
        build_translator(settings, transport=transport),
        on_failure=settings.on_failure,
        cache_size=settings.cache_size,
    )
