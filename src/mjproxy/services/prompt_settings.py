"""Settings of the prompt pipeline (banned words, translation, parameter checks).

These are plain pydantic models meant to be nested in the application's `Settings`
(`config.py`) as `prompts: PromptSettings`; every key is documented in docs/prompts.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from mjproxy.domain.prompt_rules import VERSIONS


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BannedWordSettings(_Section):
    enabled: bool = True
    # reject: answer code 24 and queue nothing; strip: cut the words out and go on.
    action: Literal["reject", "strip"] = "reject"
    # Fill the word list from the shipped defaults the first time a database is used.
    seed_defaults: bool = True


class OpenAITranslationSettings(_Section):
    """Any OpenAI-compatible chat-completions API (OpenAI, DeepSeek, Qwen, vLLM, Ollama …)."""

    base_url: str = "https://api.openai.com/v1"
    api_key: SecretStr = SecretStr("")
    model: str = "gpt-4o-mini"
    system_prompt: str = (
        "Translate the user's Midjourney image prompt from Chinese into English. "
        "Answer with the English translation only, without quotes or explanations. "
        "Keep English words, numbers and punctuation as they are."
    )
    temperature: float | None = Field(default=0.0, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    # Values are secret: some gateways (Azure's `api-key`) carry the key in a header.
    extra_headers: dict[str, SecretStr] = Field(default_factory=dict)
    timeout_s: float = Field(default=30.0, gt=0)


class BaiduTranslationSettings(_Section):
    """Baidu general text translation (fanyi-api.baidu.com), signed with MD5."""

    url: str = "https://fanyi-api.baidu.com/api/trans/vip/translate"
    app_id: str = ""
    app_secret: SecretStr = SecretStr("")
    timeout_s: float = Field(default=10.0, gt=0)


class DeepLTranslationSettings(_Section):
    auth_key: SecretStr = SecretStr("")
    # auto: free endpoint for keys ending in ":fx" (DeepL's convention), pro otherwise.
    plan: Literal["auto", "free", "pro"] = "auto"
    base_url: str | None = None
    source_lang: str = "ZH"
    target_lang: str = "EN-US"
    timeout_s: float = Field(default=10.0, gt=0)


class TranslationSettings(_Section):
    provider: Literal["none", "openai", "baidu", "deepl"] = "none"
    # reject: a failed translation refuses the submit; passthrough: submit it untranslated.
    on_failure: Literal["reject", "passthrough"] = "reject"
    cache_size: int = Field(default=1024, ge=0)
    # May carry credentials (http://user:pass@host:port), so it is kept secret.
    proxy: SecretStr | None = None
    openai: OpenAITranslationSettings = Field(default_factory=OpenAITranslationSettings)
    baidu: BaiduTranslationSettings = Field(default_factory=BaiduTranslationSettings)
    deepl: DeepLTranslationSettings = Field(default_factory=DeepLTranslationSettings)

    @model_validator(mode="after")
    def _require_credentials(self) -> TranslationSettings:
        required = {
            "openai": {"openai.model": self.openai.model},
            "baidu": {
                "baidu.app_id": self.baidu.app_id,
                "baidu.app_secret": self.baidu.app_secret.get_secret_value(),
            },
            "deepl": {"deepl.auth_key": self.deepl.auth_key.get_secret_value()},
        }.get(self.provider, {})
        missing = [f"prompts.translation.{key}" for key, value in required.items() if not value]
        if missing:
            raise ValueError(
                f"prompts.translation.provider is {self.provider!r}, "
                f"which needs {' and '.join(missing)} to be set."
            )
        return self


class ParameterCheckSettings(_Section):
    enabled: bool = True
    # Check prompts without --v/--niji against this version ("7", "8.1", "niji 6" …);
    # unset means any version's rules may accept a value (the account's default decides).
    assumed_version: str | None = None
    allow_unknown_parameters: bool = False

    @field_validator("assumed_version")
    @classmethod
    def _known_version(cls, value: str | None) -> str | None:
        if value is not None and value not in VERSIONS:
            raise ValueError(
                f"prompts.checks.assumed_version has value {value!r}; "
                f"expected one of {', '.join(VERSIONS)}."
            )
        return value


class PromptSettings(_Section):
    banned_words: BannedWordSettings = Field(default_factory=BannedWordSettings)
    translation: TranslationSettings = Field(default_factory=TranslationSettings)
    checks: ParameterCheckSettings = Field(default_factory=ParameterCheckSettings)
