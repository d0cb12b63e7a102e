"""Banned words: the list (stored by a repository, changed at run time) and the check.

The list lives in the database so admins can change it without a restart; the service
keeps an Aho-Corasick matcher built from it and rebuilds it after every change. Words are
compared in normalised form, so "NUDE", "ｎｕｄｅ" and "nude" are one entry.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources

from mjproxy.domain.errors import InvalidRequest
from mjproxy.services.prompt_settings import BannedWordSettings
from mjproxy.services.word_matcher import TextNormaliser, WordHit, WordMatcher
from mjproxy.store.base import BannedWordRepository

logger = logging.getLogger(__name__)

MAX_WORD_LENGTH = 100


def default_banned_words() -> list[str]:
    """The list shipped with mjproxy (`services/data/banned_words.txt`)."""
    text = resources.files("mjproxy.services").joinpath("data/banned_words.txt").read_text("utf-8")
    words: list[str] = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words


class BannedWordService:
    """Checks text against the stored list; `add`/`remove` change the list and the matcher."""

    def __init__(
        self,
        repository: BannedWordRepository,
        *,
        normaliser: TextNormaliser,
        settings: BannedWordSettings,
    ) -> None:
        self._repository = repository
        self._normaliser = normaliser
        self.settings = settings
        self._matcher = WordMatcher((), normaliser=normaliser)
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Seed the defaults on a fresh database (if configured), then load the list."""
        if self.settings.seed_defaults:
            added = await self._repository.seed_words(default_banned_words())
            if added:
                logger.info("seeded %d default banned words", added)
        await self.reload()

    async def reload(self) -> None:
        """Rebuild the matcher from the repository (e.g. after another instance changed it)."""
        async with self._lock:
            await self._rebuild()

    async def list_words(self) -> list[str]:
        return await self._repository.list_words()

    async def add(self, word: str) -> bool:
        """Add `word`; False when it (or a spelling that normalises the same) is listed.

        Raises `InvalidRequest` for an empty, multi-line or over-long word.
        """
        word = self.validate(word)
        async with self._lock:
            if await self._stored_spelling(word) is not None:
                return False
            added = await self._repository.add_word(word)
            await self._rebuild()
        logger.info("banned word added (%d characters)", len(word))
        return added

    async def remove(self, word: str) -> bool:
        """Remove the listed word that `word` normalises to; False when none is listed."""
        async with self._lock:
            stored = await self._stored_spelling(word.strip())
            if stored is None:
                return False
            removed = await self._repository.remove_word(stored)
            await self._rebuild()
        logger.info("banned word removed (%d characters)", len(stored))
        return removed

    def find(self, text: str) -> WordHit | None:
        """The first listed word in `text`, or None (always None when disabled)."""
        return self._matcher.find(text) if self.settings.enabled else None

    def strip_words(self, text: str) -> tuple[str, tuple[str, ...]]:
        """`text` without the listed words, and the words removed."""
        return self._matcher.strip_words(text) if self.settings.enabled else (text, ())

    @property
    def size(self) -> int:
        return self._matcher.size

    async def _rebuild(self) -> None:
        words = await self._repository.list_words()
        # Building is a few milliseconds for thousands of words, so it stays on the loop
        # and shares the one OpenCC converter with `find`.
        self._matcher = WordMatcher(words, normaliser=self._normaliser)
        logger.debug("banned-word matcher rebuilt with %d words", self._matcher.size)

    async def _stored_spelling(self, word: str) -> str | None:
        wanted = self._normaliser.normalise(word).text
        for stored in await self._repository.list_words():
            if self._normaliser.normalise(stored).text == wanted:
                return stored
        return None

    def validate(self, word: str) -> str:
        """`word` trimmed. Raises `InvalidRequest` for an empty, multi-line or over-long word."""
        word = word.strip()
        if not word or "\n" in word or "\r" in word:
            raise InvalidRequest(
                "A banned word must be one non-empty line of text, e.g. 'nude' or '裸体'."
            )
        if len(word) > MAX_WORD_LENGTH:
            raise InvalidRequest(
                f"A banned word may have at most {MAX_WORD_LENGTH} characters, "
                f"but this one has {len(word)}."
            )
        if not self._normaliser.normalise(word).text:
            raise InvalidRequest(
                "The banned word consists only of invisible characters; give visible text."
            )
        return word
