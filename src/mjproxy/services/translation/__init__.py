"""Chinese → English prompt translation: providers by configuration, one module each."""

from mjproxy.services.translation.base import Translator
from mjproxy.services.translation.service import (
    PromptTranslator,
    TranslatedPrompt,
    TranslationCache,
    build_prompt_translator,
    build_translator,
)

__all__ = [
    "PromptTranslator",
    "TranslatedPrompt",
    "TranslationCache",
    "Translator",
    "build_prompt_translator",
    "build_translator",
]
