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

from mjproxy.config import ConfigError, Settings
from mjproxy.domain.account import ModeLimits
from mjproxy.domain.errors import UnsafeHookUrl
from mjproxy.domain.ids import TaskIdGenerator
from mjproxy.engines.base import Engine, EngineFactory, EngineSinks
from mjproxy.services.account_admin import AccountAdmin
from mjproxy.services.account_alerts import AccountAlerts
from mjproxy.services.account_connections import AccountConnections
from mjproxy.services.account_health import AccountHealth
from mjproxy.services.account_seed import load_accounts
from mjproxy.services.account_sync import AccountSync
from mjproxy.services.accounts import AccountPool
from mjproxy.services.delivery import DeliveryServices, build_delivery, hook_policy
from mjproxy.services.events import EventBus
from mjproxy.services.moderation import BannedWordService
from mjproxy.services.notifier import TaskSerializer
from mjproxy.services.outbox import RetryPolicy
from mjproxy.services.prompts import PromptPreparer
from mjproxy.services.queries import TaskQueries
from mjproxy.services.scheduler import Scheduler
from mjproxy.services.tasks import TaskService
from mjproxy.services.upstream import UpstreamCalls
from mjproxy.store.base import AccountRepository, OutboxRepository, TaskRepository

logger = logging.getLogger(__name__)

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
    health: AccountHealth
    connections: AccountConnections
    sync: AccountSync
    accounts: AccountAdmin
    # None when the app runs with a prompt pipeline given by its caller.
    banned_words: BannedWordService | None = None


async def build_services(
    settings: Settings,
    *,
    store: TaskRepository,
    accounts: AccountRepository,
    engines: Mapping[str, EngineFactory],
    pipeline: PromptPreparer,
    clock_ms: Callable[[], int],
    task_json: TaskSerializer,
    outbox: OutboxRepository | None = None,
    banned_words: BannedWordService | None = None,
) -> Services:
    """Build the object graph. Task ids continue above the largest id already stored;
    the config file's accounts are upserted into the database first."""
    ids = TaskIdGenerator(settings.node_id, floor=await store.max_id(), clock_ms=clock_ms)
    policy = hook_policy(settings)
    bus = EventBus()
    pool = AccountPool(
        await load_accounts(settings, accounts, now_ms=clock_ms()), clock_ms=clock_ms
    )
    scheduler = Scheduler(
        pool=pool,
        store=store,
        accounts=accounts,
        task_timeout_s=settings.scheduler.task_timeout_s,
        start_timeout_s=settings.scheduler.start_timeout_s,
        selection=settings.scheduler.selection,
        clock_ms=clock_ms,
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
        fallback_modes=settings.scheduler.fallback_modes,
        check_hook=policy.check_syntax,
    )
    delivery = build_delivery(
        settings, bus=bus, tasks=tasks, policy=policy, outbox=outbox, task_json=task_json
    )
    if delivery.notifier is not None:
        tasks.announce_with(delivery.notifier)
    health = AccountHealth(
        pool=pool,
        repository=accounts,
        scheduler=scheduler,
        alerts=_alerts(settings, delivery, clock_ms),
        clock_ms=clock_ms,
        relax_retry_s=settings.pool.relax_retry_s,
    )
    scheduler.on_account_unusable(health.account_unusable)
    sync = AccountSync(
        pool=pool,
        scheduler=scheduler,
        settings=settings.pool,
        on_ready=settings.discord.sync_info_on_ready,
        clock_ms=clock_ms,
    )
    health.ready_listeners.append(sync.account_ready)
    sinks = EngineSinks(updates=tasks.apply, accounts=health)
    built = {name: factory(sinks) for name, factory in engines.items()}
    scheduler.connect(engines=built, updates=tasks.apply)
    connections = AccountConnections(scheduler=scheduler, health=health, store=store)
    limits = settings.default_limits
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
        delivery=delivery,
        health=health,
        connections=connections,
        sync=sync,
        accounts=AccountAdmin(
            pool=pool,
            repository=accounts,
            scheduler=scheduler,
            health=health,
            connections=connections,
            sync=sync,
            default_limits=ModeLimits(running=limits.running, queued=limits.queued),
            task_timeout_s=settings.scheduler.task_timeout_s,
            sync_timeout_s=settings.pool.sync_timeout_s,
            clock_ms=clock_ms,
        ),
        banned_words=banned_words,
    )


def _alerts(
    settings: Settings, delivery: DeliveryServices, clock_ms: Callable[[], int]
) -> AccountAlerts | None:
    """The account alert webhook, when configured (it needs the webhook outbox)."""
    url = settings.pool.alert_hook
    if not url:
        return None
    try:
        delivery.hooks.check_syntax(url)
    except UnsafeHookUrl as exc:
        raise ConfigError(f"Config 'pool.alert_hook' is refused: {exc.reason}") from None
    if delivery.outbox is None or delivery.dispatcher is None:
        logger.warning("pool.alert_hook is set, but webhooks are disabled: no alerts are sent")
        return None
    hooks = settings.webhooks
    retry = RetryPolicy(
        attempt_timeout_s=hooks.attempt_timeout_s,
        retry_window_s=hooks.retry_window_s,
        first_delay_s=hooks.first_delay_s,
        max_delay_s=hooks.max_delay_s,
    )
    return AccountAlerts(
        url=url,
        outbox=delivery.outbox,
        retry=retry,
        wake=delivery.dispatcher.wake,
        clock_ms=clock_ms,
    )


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[None]:
    """Run the scheduler, open every account, resume unfinished work; undo it all on exit."""
    started = time.monotonic()
    # Delivery starts first (its bus followers must see every change) and stops last.
    async with (
        services.delivery.running(store=services.store),
        asyncio.TaskGroup() as group,
    ):
        loops = [
            group.create_task(services.scheduler.run(), name="scheduler"),
            group.create_task(services.health.background.run(), name="account-health"),
            group.create_task(services.sync.run(), name="account-sync"),
        ]
        try:
            for account in services.pool.all():
                await services.connections.open(account)
            await services.tasks.recover()
            yield
        finally:
            for loop in loops:
                loop.cancel()
            for engine in services.engines.values():
                await _close_engine(engine)
    logger.info(
        "mjproxy stopped after %.0f s: %d tasks submitted, %d task changes published, %d accounts",
        time.monotonic() - started,
        services.tasks.submitted,
        services.bus.published,
        len(services.pool.all()),
    )


async def _close_engine(engine: Engine) -> None:
    try:
        async with asyncio.timeout(_ENGINE_CLOSE_TIMEOUT_S):
            await engine.aclose()
    except Exception:
        logger.exception("engine %s: closing it failed", engine.name)
