"""Prompt settings: defaults, and start-up errors that name the key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mjproxy.services.prompt_settings import PromptSettings


def test_defaults_translate_nothing_and_refuse_banned_words() -> None:
    settings = PromptSettings()
    assert settings.translation.provider == "none"
    assert settings.banned_words.action == "reject"
    assert settings.checks.enabled


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"translation": {"provider": "baidu"}},
            "needs prompts.translation.baidu.app_id and prompts.translation.baidu.app_secret",
        ),
        ({"translation": {"provider": "deepl"}}, "needs prompts.translation.deepl.auth_key"),
        (
            {"translation": {"provider": "openai", "openai": {"model": ""}}},
            "needs prompts.translation.openai.model",
        ),
        ({"translation": {"provider": "google"}}, "provider"),
        ({"checks": {"assumed_version": "4"}}, "prompts.checks.assumed_version has value '4'"),
        ({"banned_words": {"action": "warn"}}, "action"),
        ({"banned_words": {"typo": True}}, "typo"),
    ],
)
def test_invalid_settings_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PromptSettings.model_validate(data)


def test_openai_provider_needs_no_key_for_local_servers() -> None:
    settings = PromptSettings.model_validate(
        {"translation": {"provider": "openai", "openai": {"base_url": "http://127.0.0.1:11434/v1"}}}
    )
    assert settings.translation.openai.api_key.get_secret_value() == ""


def test_secrets_are_masked_in_repr() -> None:
    settings = PromptSettings.model_validate(
        {"translation": {"provider": "deepl", "deepl": {"auth_key": "secret-key:fx"}}}
    )
    assert "secret-key" not in repr(settings)
    assert "secret-key" not in str(settings.model_dump())
