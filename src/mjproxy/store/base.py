"""What services need from persistence. `store/sql.py` implements it on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.deliveries import Announcement, Delivery, DeliveryAttempt, DeliveryStatus
from mjproxy.domain.task import ImageInput, Task, TaskStatus


class TaskRepository(Protocol):
    """Tasks and the images that came with them.

    Writes are optimistic: `update` succeeds only if the stored version equals
    `expected_version`, so two writers can never silently overwrite each other.
    """

    async def insert(
        self,
        task: Task,
        inputs: Sequence[ImageInput] = (),
        *,
        announcement: Announcement | None = None,
    ) -> None:
        """Store a new task (and its input images), and its webhook delivery in the same
        transaction. Raises `ValueError` on a duplicate id."""
        ...

    async def get(self, task_id: str) -> Task | None: ...

    async def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        """The stored tasks among `task_ids`, in no particular order; unknown ids are skipped."""
        ...

    async def versions(self, task_ids: Sequence[str]) -> dict[str, int]:
        """The stored version of each known task among `task_ids` (a cheap read: every
        change of a task raises its version, so (id, version) names one snapshot)."""
        ...

    async def update(
        self, task: Task, *, expected_version: int, announcement: Announcement | None = None
    ) -> bool:
        """Replace the stored task if its version is still `expected_version`; the webhook
        delivery announcing it is written in the same transaction, or not at all."""
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

    async def add_inputs(self, task_id: str, inputs: Sequence[ImageInput]) -> None:
        """Append images to a stored task's inputs (a mask sent with a modal confirmation)."""
        ...

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


class OutboxRepository(Protocol):
    """The persistent webhook outbox, and the delivery log it leaves behind.

    Deliveries of one task go out strictly one after another, in the order they were
    enqueued: only the oldest pending delivery of a task (its head) is ever handed out, and
    only under a lease, so two workers (or two instances) never send for the same task at once.
    """

    async def enqueue(
        self,
        *,
        task_id: str,
        task_version: int,
        url: str,
        payload: str,
        now_ms: int,
        deadline_ms: int,
        topic: str | None = None,
    ) -> int:
        """Add a pending delivery due now; return its id. `topic` names what a delivery
        that is not a task change is about (an account alert: task id "0")."""
        ...

    async def claim_due(
        self, *, now_ms: int, lease_ms: int, limit: int, owner: str = ""
    ) -> list[Delivery]:
        """Lease up to `limit` task heads that are due; each is leased to `owner` until
        `now_ms + lease_ms`."""
        ...

    async def next_due_ms(self) -> int | None:
        """When the earliest task head becomes due (attempt time or lease end), or None."""
        ...

    async def record_attempt(
        self,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_ms: int | None = None,
    ) -> None:
        """Log `attempt` and move its delivery to `status` (pending: retry at `next_attempt_ms`)."""
        ...

    async def release(self, delivery_ids: Sequence[int]) -> None:
        """Drop the leases on `delivery_ids` (a worker stopping) so others may take them at once."""
        ...

    async def release_owned(self, owner: str) -> int:
        """Drop every lease `owner` holds (it starts again: its old leases are orphans);
        return how many."""
        ...

    async def get(self, delivery_id: int) -> Delivery | None: ...

    async def has_delivery(self, task_id: str, task_version: int) -> bool:
        """Whether any delivery exists for this version of the task (restart recovery)."""
        ...

    async def list_recent(
        self,
        *,
        limit: int,
        offset: int = 0,
        task_id: str | None = None,
        statuses: Sequence[DeliveryStatus] = (),
    ) -> tuple[list[Delivery], int]:
        """Newest first, with the total count matching the filters."""
        ...

    async def attempts(self, delivery_id: int) -> list[DeliveryAttempt]: ...

    async def prune(self, *, finished_before_ms: int) -> int:
        """Delete deliveries finished before the cutoff, with their attempts; return the count."""
        ...


class AccountRepository(Protocol):
    """The account pool (`store/accounts.py` implements it on SQL).

    The settings of an account (`save_account`), its health (`save_state`), what Midjourney
    says about it (`save_facts`) and its daily job counter (`count_job`) are written
    separately, so a writer of one never overwrites another's newer value.
    """

    async def list_accounts(self) -> list[Account]:
        """Every account, in the order they were created."""
        ...

    async def get_account(self, account_id: str) -> Account | None: ...

    async def insert_account(self, account: Account) -> None:
        """Store a new account. Raises `ValueError` when the id is taken."""
        ...

    async def save_account(self, account: Account) -> bool:
        """Write the account's settings (not state, facts or counter); False if unknown."""
        ...

    async def delete_account(self, account_id: str) -> bool: ...

    async def save_state(
        self, account_id: str, *, state: AccountState, reason: str, since_ms: int
    ) -> None: ...

    async def save_facts(self, account_id: str, facts: MidjourneyFacts) -> None: ...

    async def count_job(self, account_id: str, *, day: str) -> int:
        """Add one job to the account's counter for `day` (restarting it on a new day) and
        return the new count."""
        ...
