"""Translation through the DeepL API (free and pro endpoints, `DeepL-Auth-Key` header)."""

from __future__ import annotations

from typing import Any

import httpx

from mjproxy.services.prompt_settings import DeepLTranslationSettings
from mjproxy.services.translation.base import json_object, malformed, post

FREE_BASE_URL = "https://api-free.deepl.com"
PRO_BASE_URL = "https://api.deepl.com"

_STATUS_REASONS = {
    403: "it refused the auth key (HTTP 403); check prompts.translation.deepl.auth_key.",
    413: "the text is too long for it (HTTP 413).",
    456: "the account's character quota is used up (HTTP 456).",
}


def endpoint(settings: DeepLTranslationSettings) -> str:
    if settings.base_url:
        base = settings.base_url
    elif settings.plan == "free" or (
        # DeepL's convention: free-plan keys end in ":fx".
        settings.plan == "auto" and settings.auth_key.get_secret_value().endswith(":fx")
    ):
        base = FREE_BASE_URL
    else:
        base = PRO_BASE_URL
    return base.rstrip("/") + "/v2/translate"


class DeepLTranslator:
    name = "deepl"

    def __init__(self, settings: DeepLTranslationSettings, *, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._url = endpoint(settings)

    async def translate(self, text: str) -> str:
        settings = self._settings
        body = {
            "text": [text],
            "source_lang": settings.source_lang,
            "target_lang": settings.target_lang,
        }
        headers = {"Authorization": f"DeepL-Auth-Key {settings.auth_key.get_secret_value()}"}
        response = await post(
            self._client,
            self.name,
            self._url,
            timeout_s=settings.timeout_s,
            status_reasons=_STATUS_REASONS,
            json=body,
            headers=headers,
        )
        return self._translation(json_object(response, self.name))

    def _translation(self, body: dict[str, Any]) -> str:
        translations = body.get("translations")
        if not isinstance(translations, list) or not translations:
            raise malformed(self.name, "translations")
        first = translations[0]
        text = first.get("text") if isinstance(first, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise malformed(self.name, "translated text")
        return text.strip()

    async def aclose(self) -> None:
        await self._client.aclose()
