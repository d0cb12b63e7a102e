"""Translation through any OpenAI-compatible chat-completions API."""

from __future__ import annotations

from typing import Any

import httpx

from mjproxy.services.prompt_settings import OpenAITranslationSettings
from mjproxy.services.translation.base import (
    clean_translation,
    json_object,
    malformed,
    post,
)


class OpenAITranslator:
    name = "openai"

    def __init__(self, settings: OpenAITranslationSettings, *, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._url = settings.base_url.rstrip("/") + "/chat/completions"

    async def translate(self, text: str) -> str:
        settings = self._settings
        body: dict[str, Any] = {
            "model": settings.model,
            "messages": [
                {"role": "system", "content": settings.system_prompt},
                {"role": "user", "content": text},
            ],
        }
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            body["max_tokens"] = settings.max_tokens
        headers = {name: value.get_secret_value() for name, value in settings.extra_headers.items()}
        key = settings.api_key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        response = await post(
            self._client,
            self.name,
            self._url,
            timeout_s=settings.timeout_s,
            json=body,
            headers=headers,
        )
        return self._content(json_object(response, self.name))

    def _content(self, body: dict[str, Any]) -> str:
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise malformed(self.name, "choices")
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or not clean_translation(content):
            raise malformed(self.name, "message content")
        return clean_translation(content)

    async def aclose(self) -> None:
        await self._client.aclose()
