"""The task service: accept work from clients, record what engines report, survive restarts.

Every change goes the same way: decide (nothing written yet, so a refusal stores nothing),
persist with an optimistic version check — together with the webhook delivery announcing the
change, in one transaction — then publish the new snapshot on the event bus.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from mjproxy.domain.account import Account
from mjproxy.domain.custom_ids import parse_custom_id
from mjproxy.domain.deliveries import Announcement
from mjproxy.domain.errors import (
    EngineError,
    MissingField,
    NoAvailableAccount,
    RelatedTaskNotFound,
    TaskNotFound,
    UpstreamError,
    WrongTaskStatus,
)
from mjproxy.domain.ids import TaskIdGenerator
from mjproxy.domain.prompt import parse_prompt, requests_niji
from mjproxy.domain.task import (
    BotType,
    ImageInput,
    Mode,
    StaleUpdate,
    Task,
    TaskAction,
    TaskStatus,
    TaskUpdate,
    apply_update,
)
from mjproxy.services import actions
from mjproxy.services.accounts import AccountPool
from mjproxy.services.events import EventBus
from mjproxy.services.jobs import MASK_ROLE, MODAL_PROMPT_KEY, OPTIONS_KEY
from mjproxy.services.locks import KeyedLock
from mjproxy.services.placement import SAME_CHANNEL_KEY, Demand, follow_up_demand
from mjproxy.services.prompts import PreparedPrompt, PromptPreparer
from mjproxy.services.scheduler import Admission, Scheduler
from mjproxy.services.submissions import Accepted, ActionRequest, ModalRequest, NewTask
from mjproxy.store.base import TaskRepository

logger = logging.getLogger(__name__)

_MAX_WRITE_ATTEMPTS = 10
_ENGINE_CANCEL_TIMEOUT_S = 10.0
RESTART_REASON = (
    "mjproxy restarted while this task was running and its engine could not pick it up again."
)


class Announcer(Protocol):
    """Decides the webhook delivery that announces a task change (`services/notifier.py`)."""

    def announcement(self, old: Task | None, new: Task) -> Announcement | None: ...

    def announced(self) -> None: ...


class TaskService:
    """Submit, act, confirm modals, cancel, and apply engine updates to tasks."""

    def __init__(
        self,
        *,
        store: TaskRepository,
        bus: EventBus,
        scheduler: Scheduler,
        pool: AccountPool,
        ids: TaskIdGenerator,
        pipeline: PromptPreparer,
        clock_ms: Callable[[], int],
        default_mode: Mode,
        fallback_modes: Sequence[Mode] = (),
        check_hook: Callable[[str], None] = lambda url: None,
    ) -> None:
        self._store = store
        self._check_hook = check_hook
        self._bus = bus
        self._scheduler = scheduler
        self._pool = pool
        self._ids = ids
        self._pipeline = pipeline
        self._clock_ms = clock_ms
        self._default_mode = default_mode
        self._fallback_modes = tuple(m for m in fallback_modes if m is not default_mode)
        self._writing = KeyedLock()
        self._announcer: Announcer | None = None
        self.submitted = 0

    def announce_with(self, announcer: Announcer) -> None:
        """Write a webhook delivery with every task change that calls for one."""
        self._announcer = announcer

    # Client requests -------------------------------------------------------------------

    async def submit(self, new: NewTask, *, speed: Mode | None = None) -> Accepted:
        """Store and queue a new job. Raises `RequestRejected` subclasses; stores nothing then."""
        if new.notify_hook:
            self._check_hook(new.notify_hook)
        bot_type = new.bot_type or self._bot_for(new.prompt)
        prepared = await self._prepare(new, bot_type)
        properties = prepared.properties() if prepared else {}
        modes, fallback = self._modes(speed, new, prepared.modes if prepared else ())
        task = Task(
            id=self._ids.next_id(),
            action=new.action,
            submit_time_ms=self._clock_ms(),
            prompt=prepared.prompt if prepared else "",
            prompt_en=prepared.prompt_en if prepared else "",
            final_zh_prompt=prepared.final_zh_prompt if prepared else None,
            state=new.state,
            bot_type=bot_type,
            account_filter=new.account_filter,
            notify_hook=new.notify_hook,
            requested_modes=modes,
            properties=properties,
            engine_state={OPTIONS_KEY: dict(new.options)} if new.options else {},
        )
        task.description = _describe_new(task, new)
        return await self._enqueue(task, new.images, fallback=fallback)

    async def act(self, request: ActionRequest, *, speed: Mode | None = None) -> Accepted:
        """Press a button of a finished task: a queued child task, or one waiting in MODAL."""
        parse_custom_id(request.custom_id)  # an unknown pattern is refused before any lookup
        if request.notify_hook:
            self._check_hook(request.notify_hook)
        parent = await self._store.get(request.task_id)
        if parent is None:
            raise RelatedTaskNotFound(request.task_id)
        button, pressed = actions.resolve_button(parent, request.custom_id)
        account = self._pool.get(parent.account_id)
        child = Task(
            id=self._ids.next_id(),
            action=button.task_action,
            submit_time_ms=self._clock_ms(),
            prompt=parent.prompt,
            prompt_en=parent.prompt_en,
            description=actions.describe_press(parent, button, pressed.custom_id),
            state=request.state,
            bot_type=parent.bot_type,
            notify_hook=request.notify_hook or parent.notify_hook,
            requested_modes=(speed,) if speed else (parent.mode or self._default_mode,),
            parent_id=parent.id,
            custom_id=pressed.custom_id,
            final_prompt=parent.final_prompt,
            engine_state={OPTIONS_KEY: dict(request.options)} if request.options else {},
        )
        if request.choose_same_channel:
            child.engine_state[SAME_CHANNEL_KEY] = _channel_of(parent, account)
        if actions.needs_modal(button, account, enable_remix=request.enable_remix):
            return await self._hold_for_modal(child, parent)
        if actions.remix_auto_submits(button, account):
            child.engine_state[MODAL_PROMPT_KEY] = parent.final_prompt or parent.prompt_en
        demand = self._follow_up(child, parent.account_id)
        return await self._enqueue(child, (), demand=demand)

    async def confirm_modal(self, request: ModalRequest) -> Accepted:
        """Continue a MODAL task with the client's prompt (blank: the suggested one)."""
        task = await self._store.get(request.task_id)
        if task is None:
            raise RelatedTaskNotFound(request.task_id)
        if task.status is not TaskStatus.MODAL:
            raise WrongTaskStatus(
                task.id, task.status, needed="only a task waiting in MODAL can be confirmed"
            )
        if task.action is TaskAction.INPAINT and request.mask is None:
            raise MissingField("maskBase64", hint="Vary (Region) repaints the masked area")
        text = request.prompt.strip() or task.final_prompt or task.prompt_en or task.prompt
        prepared = await self._pipeline.prepare(text, bot_type=task.bot_type)
        admission = self._scheduler.admit(
            task,
            modes=task.requested_modes or (self._default_mode,),
            demand=self._follow_up(task, task.account_id),
        )
        placed = _placed(task, admission)
        confirmed = dataclasses.replace(
            placed,
            status=TaskStatus.NOT_START,
            prompt=prepared.prompt,
            prompt_en=prepared.prompt_en,
            final_zh_prompt=prepared.final_zh_prompt,
            properties={**placed.properties, **prepared.properties()},
            engine_state={**task.engine_state, MODAL_PROMPT_KEY: prepared.prompt_en},
            version=task.version + 1,
        )
        try:
            async with self._writing.hold(task.id):
                announcement = self._announcement(task, confirmed)
                if not await self._store.update(
                    confirmed, expected_version=task.version, announcement=announcement
                ):
                    raise WrongTaskStatus(task.id, "changing", needed="fetch it and try again")
            self._announced(announcement)
            if request.mask is not None:
                mask = dataclasses.replace(request.mask, role=MASK_ROLE)
                await self._store.add_inputs(task.id, [mask])
        except BaseException:
            self._scheduler.release(task.id)
            raise
        self._scheduler.commit(admission)
        self._bus.publish(confirmed)
        logger.info("task %s modal confirmed on %s", task.id, task.account_id)
        return Accepted(confirmed, queue_position=admission.queue_position)

    async def cancel(self, task_id: str) -> Task:
        """Cancel a task: at once if it has not reached its engine, else ask the engine.

        Raises `TaskNotFound`, `WrongTaskStatus` for a finished task, and `UpstreamError`
        when the engine refuses.
        """
        task = await self._store.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        if task.is_terminal:
            raise WrongTaskStatus(
                task.id, task.status, needed="only unfinished tasks can be cancelled"
            )
        engine = self._scheduler.engine_for(self._pool.get(task.account_id))
        reached_engine = task.status in (TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS) or (
            self._scheduler.is_dispatched(task.id)
        )
        if not reached_engine or engine is None:
            self._scheduler.release(task.id)
            cancelled = await self.record(TaskUpdate(task.id, status=TaskStatus.CANCEL))
            return cancelled or task
        try:
            async with asyncio.timeout(_ENGINE_CANCEL_TIMEOUT_S):
                await engine.cancel(task)
        except (EngineError, TimeoutError) as exc:
            raise UpstreamError(f"The engine could not cancel the task {task.id}: {exc}") from exc
        return task

    # Engine reports --------------------------------------------------------------------

    async def apply(self, update: TaskUpdate) -> None:
        """The engines' `UpdateSink`: see `record`."""
        await self.record(update)

    async def record(
        self, update: TaskUpdate, *, only_if: Callable[[Task], bool] | None = None
    ) -> Task | None:
        """Apply an update: persist, then publish. Raises `StoreError` if the database fails.

        Out-of-order updates are dropped; concurrent writers are resolved by re-reading and
        re-applying. `only_if` is checked against the stored task on every try (media uses
        it so a slow copy never overwrites a newer image). Returns the new snapshot, or None
        when nothing changed.
        """
        # Writers in this process take turns per task, so they never collide; the version
        # check and the retries are for other instances writing the same row.
        async with self._writing.hold(update.task_id):
            for _ in range(_MAX_WRITE_ATTEMPTS):
                current = await self._store.get(update.task_id)
                if current is None:
                    logger.warning("task %s: update for an unknown task dropped", update.task_id)
                    return None
                if only_if is not None and not only_if(current):
                    return None
                try:
                    new = apply_update(current, update, now_ms=self._clock_ms())
                except StaleUpdate as exc:
                    logger.debug("task %s: %s", update.task_id, exc)
                    return None
                announcement = self._announcement(current, new)
                if await self._store.update(
                    new, expected_version=current.version, announcement=announcement
                ):
                    self._announced(announcement)
                    await self._after_change(current, new)
                    return new
        logger.error(
            "task %s: update lost to %d concurrent writes", update.task_id, _MAX_WRITE_ATTEMPTS
        )
        return None

    async def recover(self) -> tuple[int, int]:
        """After a restart: requeue waiting tasks and hand running ones back to their engines.

        Returns (resumed, failed). Tasks waiting in MODAL simply keep waiting.
        """
        resumed = failed = 0
        for task in await self._store.list_unfinished():
            if task.status is TaskStatus.MODAL:
                continue
            try:
                if task.status is TaskStatus.NOT_START:
                    self._scheduler.requeue(task, fallback_mode=self._default_mode)
                else:
                    self._scheduler.adopt(task, fallback_mode=self._default_mode)
                resumed += 1
            except NoAvailableAccount as exc:
                await self.apply(
                    TaskUpdate(task.id, status=TaskStatus.FAILURE, fail_reason=str(exc))
                )
                failed += 1
        self._scheduler.fill_all()
        if resumed or failed:
            logger.info("recovery: %d unfinished tasks resumed, %d failed", resumed, failed)
        return resumed, failed

    # Internals -------------------------------------------------------------------------

    async def _prepare(self, new: NewTask, bot_type: BotType) -> PreparedPrompt | None:
        if not new.prompt:
            return None
        return await self._pipeline.prepare(new.prompt, bot_type=bot_type)

    def _bot_for(self, prompt: str) -> BotType:
        """`--niji` picks the niji・journey bot when some account has it (the Midjourney
        bot reads `--niji` too, so it is the fallback)."""
        niji = bool(prompt) and requests_niji(parse_prompt(prompt))
        if niji and any(BotType.NIJI_JOURNEY in a.bots and a.enabled for a in self._pool.all()):
            return BotType.NIJI_JOURNEY
        return BotType.MID_JOURNEY

    def _modes(
        self, speed: Mode | None, new: NewTask, flagged: tuple[Mode, ...]
    ) -> tuple[tuple[Mode, ...], tuple[Mode, ...]]:
        """(modes, fallback): the path prefix, else `--fast/--relax/--turbo` in the prompt,
        else `accountFilter.modes`, else the default mode — which alone falls back to
        `scheduler.fallback_modes` when no account can run it (docs/accounts.md)."""
        if speed is not None:
            return (speed,), ()
        if flagged:
            return flagged, ()
        if new.account_filter is not None and new.account_filter.modes:
            return new.account_filter.modes, ()
        return (self._default_mode,), self._fallback_modes

    def _follow_up(self, task: Task, account_id: str | None) -> Demand:
        return follow_up_demand(task, account_id, parent_account=self._pool.get(account_id))

    async def _enqueue(
        self,
        task: Task,
        inputs: Sequence[ImageInput],
        *,
        fallback: Sequence[Mode] = (),
        demand: Demand | None = None,
    ) -> Accepted:
        admission = self._scheduler.admit(
            task,
            modes=task.requested_modes,
            fallback=fallback,
            wanted=task.account_filter,
            demand=demand,
        )
        placed = _placed(task, admission)
        announcement = self._announcement(None, placed)
        try:
            await self._store.insert(placed, inputs, announcement=announcement)
        except BaseException:
            self._scheduler.release(task.id)
            raise
        self._announced(announcement)
        self._scheduler.commit(admission)
        self._bus.publish(placed)
        self.submitted += 1
        where = (
            f"waiting, {admission.queue_position} ahead"
            if admission.queue_position is not None
            else "slot"
        )
        logger.info(
            "task %s %s on %s/%s (%s)",
            task.id,
            task.action,
            admission.account.id if admission.account else "any account",
            admission.mode,
            where,
        )
        return Accepted(placed, queue_position=admission.queue_position)

    async def _hold_for_modal(self, child: Task, parent: Task) -> Accepted:
        held = dataclasses.replace(
            child,
            status=TaskStatus.MODAL,
            account_id=parent.account_id,
            mode=child.requested_modes[0],
            final_prompt=parent.final_prompt or parent.prompt_en or parent.prompt,
            properties={**parent_account_properties(parent), "remix": True},
        )
        announcement = self._announcement(None, held)
        await self._store.insert(held, announcement=announcement)
        self._announced(announcement)
        self._bus.publish(held)
        self.submitted += 1
        logger.info("task %s %s waits for a modal confirm", held.id, held.action)
        return Accepted(held, needs_modal=True)

    def _announcement(self, old: Task | None, new: Task) -> Announcement | None:
        return self._announcer.announcement(old, new) if self._announcer else None

    def _announced(self, announcement: Announcement | None) -> None:
        if announcement is not None and self._announcer is not None:
            self._announcer.announced()

    async def _after_change(self, old: Task, new: Task) -> None:
        self._bus.publish(new)
        if new.status is not old.status:
            logger.info("task %s %s -> %s", new.id, old.status, new.status)
        if new.is_terminal and not old.is_terminal:
            self._scheduler.release(new.id)
            await self._store.delete_inputs(new.id)


def _placed(task: Task, admission: Admission) -> Task:
    """The task with its mode, and its account when it has one (a slot, or a pin)."""
    account = admission.account
    if account is None:
        return dataclasses.replace(task, mode=admission.mode)
    return dataclasses.replace(
        task,
        account_id=account.id,
        mode=admission.mode,
        properties={
            **task.properties,
            "discordInstanceId": account.id,
            "discordChannelId": account.channel_id,
        },
    )


def _channel_of(parent: Task, account: Account | None) -> str:
    channel = parent.properties.get("discordChannelId")
    if isinstance(channel, str) and channel:
        return channel
    return account.channel_id if account else ""


def parent_account_properties(parent: Task) -> dict[str, str]:
    keys = ("discordInstanceId", "discordChannelId")
    return {
        key: parent.properties[key] for key in keys if isinstance(parent.properties.get(key), str)
    }


def _describe_new(task: Task, new: NewTask) -> str:
    if task.action is TaskAction.BLEND:
        return f"/blend {task.id} {len(new.images)}"
    if task.action is TaskAction.DESCRIBE:
        link = new.options.get("link")
        return f"/describe {link}" if link else f"/describe {task.id}.{new.images[0].extension}"
    if task.action is TaskAction.SWAP_FACE:
        return f"/swap_face {task.id}"
    return f"/{task.action.value.lower()} {task.prompt}".rstrip()
