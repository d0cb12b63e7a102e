"""A translation provider double: a fixed dictionary, recording what it is asked."""

from __future__ import annotations

from mjproxy.domain.errors import TranslationFailed


class DictionaryTranslator:
    """A provider double: a fixed dictionary, recording every text it is asked for."""

    name = "dictionary"

    def __init__(self, words: dict[str, str], *, fail: bool = False) -> None:
        self.words = words
        self.fail = fail
        self.asked: list[str] = []
        self.closed = False

    async def translate(self, text: str) -> str:
        self.asked.append(text)
        if self.fail:
            raise TranslationFailed(self.name, "it answered HTTP 500.")
        return self.words[text]

    async def aclose(self) -> None:
        self.closed = True
