"""Translation through Baidu's general text translation API (fanyi-api.baidu.com).

The request is a form: q, from, to, appid, salt and sign = md5(appid + q + salt + secret).
Errors come back as HTTP 200 with `error_code`; the codes are Baidu's documented ones.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import httpx

from mjproxy.domain.errors import TranslationFailed
from mjproxy.services.prompt_settings import BaiduTranslationSettings
from mjproxy.services.translation.base import json_object, malformed, post

_ERRORS: dict[str, str] = {
    "52001": "it timed out on its side (error 52001).",
    "52002": "it had an internal error (error 52002).",
    "52003": "it does not accept the app id (error 52003); check prompts.translation.baidu.app_id.",
    "54001": "it rejected the signature (error 54001); check prompts.translation.baidu.app_secret.",
    "54003": "it is limiting our request rate (error 54003).",
    "54004": "the account balance is used up (error 54004).",
    "54005": "long texts are being sent too often (error 54005).",
    "58000": "it does not accept requests from this server's IP address (error 58000).",
    "58002": "the translation service is switched off for this account (error 58002).",
    "90107": "the account's authentication is not approved or not yet active (error 90107).",
}


def sign(app_id: str, text: str, salt: str, secret: str) -> str:
    return hashlib.md5((app_id + text + salt + secret).encode("utf-8")).hexdigest()


class BaiduTranslator:
    name = "baidu"

    def __init__(self, settings: BaiduTranslationSettings, *, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    async def translate(self, text: str) -> str:
        settings = self._settings
        salt = str(secrets.randbelow(9 * 10**9) + 10**9)
        form = {
            "q": text,
            "from": "zh",
            "to": "en",
            "appid": settings.app_id,
            "salt": salt,
            "sign": sign(settings.app_id, text, salt, settings.app_secret.get_secret_value()),
        }
        response = await post(
            self._client, self.name, settings.url, timeout_s=settings.timeout_s, data=form
        )
        return self._translation(json_object(response, self.name))

    def _translation(self, body: dict[str, Any]) -> str:
        code = body.get("error_code")
        if code is not None and str(code) != "52000":
            code = str(code)
            raise TranslationFailed(
                self.name, _ERRORS.get(code, f"it answered error code {code[:12]!r}.")
            )
        results = body.get("trans_result")
        if not isinstance(results, list) or not results:
            raise malformed(self.name, "trans_result")
        lines = [item.get("dst") if isinstance(item, dict) else None for item in results]
        if not all(isinstance(line, str) for line in lines):
            raise malformed(self.name, "dst text")
        translated = "\n".join(str(line) for line in lines).strip()
        if not translated:
            raise malformed(self.name, "dst text")
        return translated

    async def aclose(self) -> None:
        await self._client.aclose()
