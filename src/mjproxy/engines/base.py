"""The engine interface: how services hand a task to whatever fulfils it, and hear back.

An engine never touches the store or the API. It receives a `Job`, does the work through
its accounts, and reports every change as a `TaskUpdate` to the sink it was built with.
Account health it observes (ready, captcha, fast time exhausted …) goes to an account sink.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.custom_ids import ButtonAction
from mjproxy.domain.task import ImageInput, Task, TaskAction, TaskUpdate


@dataclass(frozen=True, slots=True)
class Job:
    """Everything an engine needs to run one task on one account."""

    task: Task
    account: Account
    images: Sequence[ImageInput] = ()
    parent: Task | None = None
    button: ButtonAction | None = None
    modal_prompt: str | None = None
    mask: ImageInput | None = None


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """A change in an account's health or facts, as an engine observed it."""

    account_id: str
    state: AccountState | None = None
    reason: str | None = None
    facts: MidjourneyFacts | None = None
    properties: dict[str, str] = field(default_factory=dict)


class UpdateSink(Protocol):
    async def __call__(self, update: TaskUpdate) -> None: ...


class AccountSink(Protocol):
    async def __call__(self, event: AccountEvent) -> None: ...


class Engine(Protocol):
    """What the scheduler needs from an engine."""

    name: str

    def supports(self, action: TaskAction, account: Account) -> bool:
        """Whether `account` on this engine can run tasks of `action` at all."""
        ...

    async def start(self, job: Job) -> None:
        """Send the job upstream; return once it is accepted. Raises `EngineError` if refused."""
        ...

    async def cancel(self, task: Task) -> None:
        """Stop a running task if the upstream allows it; the engine reports the outcome."""
        ...

    async def open_account(self, account: Account) -> None:
        """Start (or restart with new settings) the connection for `account`."""
        ...

    async def close_account(self, account_id: str) -> None:
        """Disconnect `account_id`; its tasks in flight are left for the services to move."""
        ...

    async def aclose(self) -> None:
        """Stop everything the engine runs."""
        ...
