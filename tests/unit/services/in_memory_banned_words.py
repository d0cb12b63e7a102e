"""A BannedWordRepository double for service tests (the SQL one is tested in storage/)."""

from __future__ import annotations

from collections.abc import Sequence


class InMemoryBannedWords:
    def __init__(self, words: Sequence[str] = ()) -> None:
        self.words = list(words)
        self.seeded = False

    async def list_words(self) -> list[str]:
        return list(self.words)

    async def add_word(self, word: str) -> bool:
        if word in self.words:
            return False
        self.words.append(word)
        return True

    async def remove_word(self, word: str) -> bool:
        if word not in self.words:
            return False
        self.words.remove(word)
        return True

    async def seed_words(self, words: Sequence[str]) -> int:
        if self.seeded:
            return 0
        self.seeded = True
        added = [word for word in words if word not in self.words]
        self.words.extend(added)
        return len(added)
