"""The engine interface: how services hand a task to whatever fulfils it, and hear back.

An engine never touches the store or the API. It receives a `Job`, does the work through
its accounts, and reports every change as a `TaskUpdate` to the sink it was built with.
Account health it observes (ready, captcha, fast time exhausted …) goes to an account sink.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mjproxy.domain.account import Account, AccountState, MidjourneyFacts
from mjproxy.domain.custom_ids import ButtonAction
from mjproxy.domain.task import ImageInput, Mode, Task, TaskAction, TaskUpdate


@dataclass(frozen=True, slots=True)
class Job:
    """Everything an engine needs to run one task on one account.

    `images` are the decoded inputs in the order the client sent them; `ImageInput.role`
    says what each is for (`reference`, `blend`, `describe`, `edit`, `video_start`,
    `video_end`, `face_source`, `face_target`). `options` holds the submission's other
    choices under their wire names (`dimensions`, `link`, `imageUrl`, `motion`, `loop`,
    `batchSize`, `videoType`, `index` …), JSON-safe values only.
    `modal_prompt` is set when the task went through a modal (remix, custom zoom, inpaint):
    the prompt the client confirmed, which the engine submits in the modal.
    `prompt` is what an imagine or video job sends: `promptEn` with the speed flag of the
    mode the scheduler chose (the client's own `--fast/--relax/--turbo` are only hints);
    `modal_prompt` carries that flag too.
    """

    task: Task
    account: Account
    images: Sequence[ImageInput] = ()
    parent: Task | None = None
    button: ButtonAction | None = None
    modal_prompt: str | None = None
    mask: ImageInput | None = None
    prompt: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True, slots=True)
class EngineSinks:
    """Where an engine reports: task updates and account events."""

    updates: UpdateSink
    accounts: AccountSink


class EngineFactory(Protocol):
    """Builds an engine once the services it reports to exist.

    The services call engines and engines report to the services, so the app builds the
    services first and then each engine from its factory (see `create_app(engines=...)`).
    """

    def __call__(self, sinks: EngineSinks) -> Engine: ...


class Engine(Protocol):
    """What the scheduler needs from an engine."""

    name: str

    def supports(self, action: TaskAction, account: Account) -> bool:
        """Whether `account` on this engine can run tasks of `action` at all."""
        ...

    async def start(self, job: Job) -> None:
        """Send the job upstream; return once it is accepted. Raises `EngineError` if refused."""
        ...

    async def resume(self, job: Job) -> None:
        """Re-attach to a task that was in flight (SUBMITTED or IN_PROGRESS) before a restart.

        The job's task carries what the engine persisted (`engine_state`, nonce, message ids).
        Return once the engine follows the task again; its outcome is reported as usual.
        Raises `EngineError` when the task cannot be followed any more (the scheduler then
        fails it with that reason).
        """
        ...

    async def upload_images(self, account: Account, images: Sequence[ImageInput]) -> list[str]:
        """Upload `images` through `account` and return one public URL per image, in order.

        Serves `/mj/submit/upload-discord-images`, which answers with the URLs at once
        rather than with a task. Raises `EngineError` when the upload fails.
        """
        ...

    async def fetch_seed(self, task: Task, account: Account) -> str:
        """The seed of the finished `task`, asked from upstream (Discord: `/show` + ✉️).

        Serves `/mj/task/{id}/image-seed` for tasks whose `seed` is not known yet. Raises
        `EngineError` when upstream does not tell.
        """
        ...

    async def cancel(self, task: Task) -> None:
        """Stop a running task if the upstream allows it; the engine reports the outcome."""
        ...

    async def sync_account(self, account: Account) -> None:
        """Ask upstream what it knows about the account (Discord: `/info` and `/settings`).

        Returns once asked; the answers arrive as `AccountEvent`s with `facts`. Raises
        `EngineError` when the questions cannot be sent.
        """
        ...

    async def set_mode(self, account: Account, mode: Mode) -> None:
        """Switch the account's own speed mode upstream (Discord: `/fast`, `/relax`,
        `/turbo` to each of its bots). Raises `EngineError` when that fails."""
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
