"""What services need from persistence. `store/sql.py` implements it on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mjproxy.domain.task import ImageInput, Task, TaskStatus


class TaskRepository(Protocol):
    """Tasks and the images that came with them.

    Writes are optimistic: `update` succeeds only if the stored version equals
    `expected_version`, so two writers can never silently overwrite each other.
    """

    async def insert(self, task: Task, inputs: Sequence[ImageInput] = ()) -> None:
        """Store a new task (and its input images). Raises `ValueError` on a duplicate id."""
        ...

    async def get(self, task_id: str) -> Task | None: ...

    async def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        """The stored tasks among `task_ids`, in no particular order; unknown ids are skipped."""
        ...

    async def update(self, task: Task, *, expected_version: int) -> bool:
        """Replace the stored task if its version is still `expected_version`."""
        ...

    async def list_recent(
        self, *, limit: int, offset: int = 0, statuses: Sequence[TaskStatus] = ()
    ) -> tuple[list[Task], int]:
        """Newest first (by submit time, then id), with the total count matching `statuses`."""
        ...

    async def list_unfinished(self) -> list[Task]:
        """Every task not in a terminal state, oldest first (restart recovery)."""
        ...

    async def load_inputs(self, task_id: str) -> list[ImageInput]: ...

    async def delete_inputs(self, task_id: str) -> None: ...

    async def max_id(self) -> int:
        """The largest task id stored, as an integer (0 when empty)."""
        ...


class BannedWordRepository(Protocol):
    """The banned-word list (`store/banned_words.py` implements it on SQL)."""

    async def list_words(self) -> list[str]:
        """Every stored word, in the order they were added."""
        ...

    async def add_word(self, word: str) -> bool:
        """Store `word`; False when exactly this word is already stored."""
        ...

    async def remove_word(self, word: str) -> bool:
        """Delete `word`; False when it was not stored."""
        ...

    async def seed_words(self, words: Sequence[str]) -> int:
        """Store `words` once per database and return how many were added.

        Does nothing (returns 0) if seeding happened before, even if every seeded word
        has since been removed: an admin's deletions must survive a restart.
        """
        ...
