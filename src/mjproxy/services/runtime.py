"""Wire the services together, run their long-lived work, and shut them down cleanly.

The object graph is built once: store → event bus → account pool → scheduler → task
service → engines (each built by its factory with the sinks it reports to) → the
scheduler is connected to the engines. Nothing here is global.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from mjproxy.config import Settings
from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.ids import TaskIdGenerator
from mjproxy.engines.base import Engine, EngineFactory, EngineSinks
from mjproxy.services.accounts import AccountPool, accounts_from_settings
from mjproxy.services.delivery import DeliveryServices, build_delivery, hook_policy
from mjproxy.services.events import EventBus
from mjproxy.services.moderation import BannedWordService
from mjproxy.services.notifier import TaskSerializer
from mjproxy.services.prompts import PromptPreparer
from mjproxy.services.queries import TaskQueries
from mjproxy.services.scheduler import Scheduler
from mjproxy.services.tasks import TaskService
from mjproxy.services.upstream import UpstreamCalls
from mjproxy.store.base import OutboxRepository, TaskRepository

logger = logging.getLogger(__name__)

_OPEN_ACCOUNT_TIMEOUT_S = 30.0
_ENGINE_CLOSE_TIMEOUT_S = 10.0


@dataclass(slots=True)
class Services:
    """Everything the API needs, built and owned together."""

    settings: Settings
    store: TaskRepository
    bus: EventBus
    pool: AccountPool
    scheduler: Scheduler
    tasks: TaskService
    queries: TaskQueries
    upstream: UpstreamCalls
    engines: dict[str, Engine]
    delivery: DeliveryServices
    # None when the app runs with a prompt pipeline given by its caller.
    banned_words: BannedWordService | None = None


async def build_services(
    settings: Settings,
    *,
    store: TaskRepository,
    engines: Mapping[str, EngineFactory],
    pipeline: PromptPreparer,
    clock_ms: Callable[[], int],
    task_json: TaskSerializer,
    outbox: OutboxRepository | None = None,
    banned_words: BannedWordService | None = None,
) -> Services:
    """Build the object graph. Task ids continue above the largest id already stored."""
    ids = TaskIdGenerator(settings.node_id, floor=await store.max_id(), clock_ms=clock_ms)
    policy = hook_policy(settings)
    bus = EventBus()
    pool = AccountPool(accounts_from_settings(settings, now_ms=clock_ms()), clock_ms=clock_ms)
    scheduler = Scheduler(
        pool=pool,
        store=store,
        task_timeout_s=settings.scheduler.task_timeout_s,
        start_timeout_s=settings.scheduler.start_timeout_s,
    )
    tasks = TaskService(
        store=store,
        bus=bus,
        scheduler=scheduler,
        pool=pool,
        ids=ids,
        pipeline=pipeline,
        clock_ms=clock_ms,
        default_mode=settings.default_mode,
        check_hook=policy.check_syntax,
    )
    sinks = EngineSinks(updates=tasks.apply, accounts=scheduler.account_event)
    built = {name: factory(sinks) for name, factory in engines.items()}
    scheduler.connect(engines=built, updates=tasks.apply)
    return Services(
        settings=settings,
        store=store,
        bus=bus,
        pool=pool,
        scheduler=scheduler,
        tasks=tasks,
        queries=TaskQueries(store=store, scheduler=scheduler),
        upstream=UpstreamCalls(
            store=store,
            pool=pool,
            scheduler=scheduler,
            updates=tasks.apply,
            timeout_s=settings.scheduler.start_timeout_s,
        ),
        engines=built,
        delivery=build_delivery(
            settings, bus=bus, tasks=tasks, policy=policy, outbox=outbox, task_json=task_json
        ),
        banned_words=banned_words,
    )


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[None]:
    """Run the scheduler, open every account, resume unfinished work; undo it all on exit."""
    started = time.monotonic()
    # Delivery starts first (its bus followers must see every change) and stops last.
    async with (
        services.delivery.running(store=services.store, bus=services.bus),
        asyncio.TaskGroup() as group,
    ):
        scheduler = group.create_task(services.scheduler.run(), name="scheduler")
        try:
            for account in services.pool.all():
                await _open_account(services, account)
            await services.tasks.recover()
            yield
        finally:
            scheduler.cancel()
            for engine in services.engines.values():
                await _close_engine(engine)
    logger.info(
        "mjproxy stopped after %.0f s: %d tasks submitted, %d task changes published, %d accounts",
        time.monotonic() - started,
        services.tasks.submitted,
        services.bus.published,
        len(services.pool.all()),
    )


async def _open_account(services: Services, account: Account) -> None:
    if not account.enabled:
        return
    engine = services.engines.get(account.engine)
    if engine is None:
        known = ", ".join(sorted(services.engines)) or "none"
        reason = f"No engine named {account.engine!r} runs in this server (available: {known})."
        logger.warning("account %s: %s", account.id, reason)
        services.pool.set_state(account.id, AccountState.DISABLED, reason)
        return
    try:
        async with asyncio.timeout(_OPEN_ACCOUNT_TIMEOUT_S):
            await engine.open_account(account)
    except Exception as exc:
        logger.exception("account %s: opening it failed", account.id)
        services.pool.set_state(
            account.id, AccountState.DISABLED, f"Opening the account failed: {type(exc).__name__}."
        )


async def _close_engine(engine: Engine) -> None:
    try:
        async with asyncio.timeout(_ENGINE_CLOSE_TIMEOUT_S):
            await engine.aclose()
    except Exception:
        logger.exception("engine %s: closing it failed", engine.name)
