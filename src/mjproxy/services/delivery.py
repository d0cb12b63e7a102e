"""Results delivery, wired from the settings: media re-hosting, webhooks and their upkeep.

`build_delivery` makes the objects; `DeliveryServices.running` runs their loops (bus
followers, the webhook dispatcher, retention sweeps) in one task group and stops them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from mjproxy.config import ConfigError, Settings
from mjproxy.domain.errors import UnsafeHookUrl
from mjproxy.domain.task import Task
from mjproxy.media.rehost import RehostOptions, ResultRehoster
from mjproxy.media.retention import MediaRetention
from mjproxy.media.s3 import S3MediaStorage, S3Options, S3UrlMode
from mjproxy.media.storage import LocalMediaStorage, MediaStorage
from mjproxy.services.delivery_log import DeliveryLogRetention
from mjproxy.services.events import EventBus
from mjproxy.services.hooks import HookPolicy
from mjproxy.services.media import MediaService, TaskUpdater
from mjproxy.services.notifier import TaskSerializer, WebhookNotifier
from mjproxy.services.outbox import RetryPolicy, WebhookDispatcher
from mjproxy.store.base import OutboxRepository, TaskRepository

logger = logging.getLogger(__name__)

_CDN_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_HOOK_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_LOG_PRUNE_INTERVAL_S = 3600.0


def hook_policy(settings: Settings) -> HookPolicy:
    return HookPolicy.from_strings(settings.webhooks.allowed_networks)


def media_storage(settings: Settings) -> MediaStorage:
    """The configured backend: a local directory, or an S3-compatible bucket."""
    media = settings.media
    if media.storage == "local":
        return LocalMediaStorage(settings.effective_media_dir)
    s3 = media.s3
    return S3MediaStorage(
        S3Options(
            bucket=s3.bucket,
            endpoint_url=s3.endpoint_url or None,
            region=s3.region,
            access_key_id=_secret(s3.access_key_id),
            secret_access_key=_secret(s3.secret_access_key),
            prefix=s3.prefix,
            url_mode=S3UrlMode(s3.url_mode),
            public_base_url=s3.public_base_url or None,
            presign_expiry_s=s3.presign_expiry_s,
            path_style=s3.path_style,
            timeout_s=s3.timeout_s,
        )
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() or None if value is not None else None


@dataclass(slots=True)
class DeliveryServices:
    """Everything that gets results to clients besides fetch."""

    storage: MediaStorage
    rehoster: ResultRehoster
    media: MediaService | None
    media_retention: MediaRetention
    hooks: HookPolicy
    outbox: OutboxRepository | None
    notifier: WebhookNotifier | None
    dispatcher: WebhookDispatcher | None
    log_retention: DeliveryLogRetention | None
    cleanup_interval_s: float
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def is_ready(self, task: Task) -> bool:
        """Whether `task` may be announced as it is (its result is not being re-hosted)."""
        return self.media is None or self.media.is_settled(task)

    @asynccontextmanager
    async def running(self, *, store: TaskRepository) -> AsyncIterator[None]:
        """Run every loop; on entry the bus followers are subscribed and leftovers requeued."""
        try:
            async with asyncio.TaskGroup() as group:
                loops = await self._start(group)
                try:
                    await self._recover(store)
                    yield
                finally:
                    for loop in loops:
                        loop.cancel()
        finally:
            for client in self.clients:
                await client.aclose()
            await self.storage.aclose()

    async def _start(self, group: asyncio.TaskGroup) -> list[asyncio.Task[None]]:
        loops: list[asyncio.Task[None]] = []

        async def follow(
            name: str, run: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
        ) -> None:
            ready = asyncio.Event()
            loops.append(group.create_task(run(ready), name=name))
            async with asyncio.timeout(10):
                await ready.wait()

        if self.media is not None:
            await follow("media", lambda ready: self.media.run(ready=ready))  # type: ignore[union-attr]
        if self.dispatcher is not None:
            loops.append(group.create_task(self.dispatcher.run(), name="webhooks"))
        if self.log_retention is not None:
            loops.append(
                group.create_task(self.log_retention.run(interval_s=_LOG_PRUNE_INTERVAL_S))
            )
        loops.append(
            group.create_task(self.media_retention.run(interval_s=self.cleanup_interval_s))
        )
        return loops

    async def _recover(self, store: TaskRepository) -> None:
        if self.media is not None:
            await self.media.recover(store)


def build_delivery(
    settings: Settings,
    *,
    bus: EventBus,
    tasks: TaskUpdater,
    policy: HookPolicy,
    outbox: OutboxRepository | None,
    task_json: TaskSerializer,
) -> DeliveryServices:
    """Build the delivery services; `outbox` None disables webhooks (logged)."""
    storage = media_storage(settings)
    cdn = httpx.AsyncClient(timeout=_CDN_TIMEOUT, trust_env=False)
    media = settings.media
    rehoster = ResultRehoster(
        storage=storage,
        client=cdn,
        options=RehostOptions(
            public_base_url=settings.effective_public_base_url,
            download_timeout_s=media.download_timeout_s,
            max_download_bytes=media.max_download_bytes,
            thumbnail_max_side=media.thumbnail_max_side,
        ),
    )
    service = (
        MediaService(rehoster=rehoster, tasks=tasks, bus=bus, previews=media.previews)
        if media.rehost
        else None
    )
    delivery = DeliveryServices(
        storage=storage,
        rehoster=rehoster,
        media=service,
        media_retention=MediaRetention(storage, retention_days=media.retention_days),
        hooks=policy,
        outbox=outbox,
        notifier=None,
        dispatcher=None,
        log_retention=None,
        cleanup_interval_s=media.cleanup_interval_s,
        clients=[cdn],
    )
    if outbox is None:
        logger.warning("webhooks disabled: no outbox store was given")
        return delivery
    _add_webhooks(delivery, settings, outbox=outbox, task_json=task_json)
    return delivery


def _add_webhooks(
    delivery: DeliveryServices,
    settings: Settings,
    *,
    outbox: OutboxRepository,
    task_json: TaskSerializer,
) -> None:
    hooks = settings.webhooks
    if hooks.global_hook:
        try:
            delivery.hooks.check_syntax(hooks.global_hook)
        except UnsafeHookUrl as exc:
            raise ConfigError(f"Config 'webhooks.global_hook' is refused: {exc.reason}") from None
    retry = RetryPolicy(
        attempt_timeout_s=hooks.attempt_timeout_s,
        retry_window_s=hooks.retry_window_s,
        first_delay_s=hooks.first_delay_s,
        max_delay_s=hooks.max_delay_s,
    )
    client = httpx.AsyncClient(timeout=_HOOK_TIMEOUT, trust_env=False, follow_redirects=False)
    delivery.clients.append(client)
    secret = hooks.signing_secret.get_secret_value().encode() if hooks.signing_secret else None
    dispatcher = WebhookDispatcher(
        outbox=outbox,
        client=client,
        policy=delivery.hooks,
        retry=retry,
        signing_secret=secret or None,
        concurrency=hooks.concurrency,
        owner=f"node-{settings.node_id}",
    )
    delivery.dispatcher = dispatcher
    delivery.notifier = WebhookNotifier(
        serialize=task_json,
        retry=retry,
        on_enqueued=dispatcher.wake,
        global_hook=hooks.global_hook,
        is_ready=delivery.is_ready,
    )
    delivery.log_retention = DeliveryLogRetention(outbox, retention_days=hooks.log_retention_days)
