"""PromptPipeline: checks, banned words on both languages, translation, strip mode."""

from __future__ import annotations

from typing import Any

import pytest

from mjproxy.domain.errors import (
    BannedPrompt,
    InvalidPrompt,
    InvalidPromptParameter,
    TranslationFailed,
)
from mjproxy.domain.task import BotType, Mode
from mjproxy.services.moderation import BannedWordService
from mjproxy.services.prompt_pipeline import PromptPipeline
from mjproxy.services.prompt_settings import BannedWordSettings, ParameterCheckSettings
from mjproxy.services.translation import PromptTranslator
from mjproxy.services.word_matcher import TextNormaliser, traditional_to_simplified

from .dictionary_translator import DictionaryTranslator
from .in_memory_banned_words import InMemoryBannedWords

NORMALISER = TextNormaliser(traditional_to_simplified())
BANNED = ["nude", "血腥", "gore"]
WORDS = {
    "一只猫": "a cat",
    "红色": "red",
    "血腥": "bloody",
    "可怕的场面": "a gore scene",
    "一只猫 可怕的场面": "a cat, a gore scene",
    "骑士": "a knight --v 4",
}


async def pipeline(
    *,
    action: Any = "reject",
    translator: DictionaryTranslator | None = None,
    on_failure: Any = "reject",
    **checks: Any,
) -> PromptPipeline:
    words = BannedWordService(
        InMemoryBannedWords(BANNED),
        normaliser=NORMALISER,
        settings=BannedWordSettings(action=action, seed_defaults=False),
    )
    await words.start()
    return PromptPipeline(
        banned_words=words,
        translator=PromptTranslator(translator, on_failure=on_failure),
        checks=ParameterCheckSettings(**checks),
    )


async def test_english_prompt_passes_unchanged_except_speed_flags() -> None:
    subject = await pipeline(translator=DictionaryTranslator(WORDS))
    prepared = await subject.prepare("a cat --ar 2:3 --fast --v 7")
    assert prepared.prompt_en == "a cat --ar 2:3 --fast --v 7"
    assert prepared.final_prompt == "a cat --ar 2:3 --v 7"
    assert prepared.modes == (Mode.FAST,)
    assert prepared.final_zh_prompt is None
    assert prepared.version == "7"
    assert prepared.properties() == {}


async def test_chinese_prompt_is_translated_and_the_original_kept() -> None:
    subject = await pipeline(translator=DictionaryTranslator(WORDS))
    prepared = await subject.prepare("一只猫 --no 红色 --ar 16:9 --relax")
    assert prepared.prompt_en == "a cat --no red --ar 16:9 --relax"
    assert prepared.final_prompt == "a cat --no red --ar 16:9"
    assert prepared.final_zh_prompt == "一只猫 --no 红色 --ar 16:9 --relax"
    assert prepared.properties() == {}
    assert prepared.modes == (Mode.RELAX,)


async def test_banned_word_in_the_original_is_refused_before_translation() -> None:
    translator = DictionaryTranslator(WORDS)
    subject = await pipeline(translator=translator)
    with pytest.raises(BannedPrompt) as caught:
        await subject.prepare("血腥 --ar 1:1")
    assert (caught.value.word, caught.value.prompt_en, caught.value.code) == (
        "血腥",
        "血腥 --ar 1:1",
        24,
    )
    assert translator.asked == []


async def test_banned_word_in_the_translation_is_refused_with_the_english() -> None:
    subject = await pipeline(translator=DictionaryTranslator(WORDS))
    with pytest.raises(BannedPrompt) as caught:
        await subject.prepare("一只猫 可怕的场面 --v 7")
    assert caught.value.word == "gore"
    assert caught.value.prompt_en == "a cat, a gore scene --v 7"


async def test_banned_word_in_a_no_value_is_refused() -> None:
    subject = await pipeline()
    with pytest.raises(BannedPrompt, match="nude"):
        await subject.prepare("a statue --no NUDE")


async def test_banned_word_inside_a_url_is_not_a_hit() -> None:
    subject = await pipeline()
    prepared = await subject.prepare("https://e.com/nude.png a statue")
    assert prepared.prompt_en == "https://e.com/nude.png a statue"


async def test_strip_mode_removes_words_in_both_languages() -> None:
    subject = await pipeline(action="strip", translator=DictionaryTranslator(WORDS))
    prepared = await subject.prepare("一只猫 血腥 可怕的场面 --ar 1:1")
    assert prepared.prompt_en == "a cat, a scene --ar 1:1"
    assert prepared.removed_words == ("血腥", "gore")
    assert prepared.properties() == {"removedBannedWords": "血腥, gore"}


async def test_strip_mode_drops_a_no_left_empty() -> None:
    subject = await pipeline(action="strip")
    prepared = await subject.prepare("a statue --no nude --ar 1:1")
    assert prepared.prompt_en == "a statue --ar 1:1"


async def test_strip_mode_refuses_a_prompt_left_empty() -> None:
    subject = await pipeline(action="strip")
    with pytest.raises(InvalidPrompt, match="Nothing is left"):
        await subject.prepare("nude --ar 1:1")


async def test_parameter_error_is_refused_before_anything_else() -> None:
    translator = DictionaryTranslator(WORDS)
    subject = await pipeline(translator=translator)
    with pytest.raises(InvalidPromptParameter, match="--cref is not available on V7"):
        await subject.prepare("一只猫 --cref https://e.com/a.png --v 7")
    assert translator.asked == []


async def test_parameters_added_by_a_translator_are_neutralised() -> None:
    subject = await pipeline(translator=DictionaryTranslator(WORDS))
    prepared = await subject.prepare("骑士 --v 7")
    assert prepared.prompt_en == "a knight -v 4 --v 7"


async def test_checks_can_be_disabled() -> None:
    subject = await pipeline(enabled=False)
    prepared = await subject.prepare("cat --foo --q 9")
    assert prepared.version is None


async def test_assumed_version_is_used_without_a_version_flag() -> None:
    subject = await pipeline(assumed_version="6.1")
    with pytest.raises(InvalidPromptParameter, match="--oref"):
        await subject.prepare("cat --oref https://e.com/a.png")


async def test_niji_bot_and_niji_flag_are_reported() -> None:
    subject = await pipeline()
    prepared = await subject.prepare("cat --niji 6", bot_type=BotType.MID_JOURNEY)
    assert (prepared.niji, prepared.version) == (True, "niji 6")
    prepared = await subject.prepare("cat", bot_type=BotType.NIJI_JOURNEY)
    assert (prepared.niji, prepared.version) == (False, "niji 7")


async def test_translation_failure_is_raised_under_reject() -> None:
    subject = await pipeline(translator=DictionaryTranslator(WORDS, fail=True))
    with pytest.raises(TranslationFailed):
        await subject.prepare("一只猫")


async def test_translation_failure_passes_through_when_configured() -> None:
    subject = await pipeline(
        translator=DictionaryTranslator(WORDS, fail=True), on_failure="passthrough"
    )
    prepared = await subject.prepare("一只猫 --v 7")
    assert prepared.prompt_en == "一只猫 --v 7"
    assert prepared.final_zh_prompt is None
    assert prepared.properties() == {"translationFailed": True}


@pytest.mark.parametrize("prompt", ["", "   ", "\n"])
async def test_empty_prompt_is_refused(prompt: str) -> None:
    subject = await pipeline()
    with pytest.raises(InvalidPrompt, match="empty"):
        await subject.prepare(prompt)
