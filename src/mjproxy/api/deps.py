"""Route dependencies: the services the lifespan built, the key check and the speed mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mjproxy.api.auth import KeyCheck
from mjproxy.api.messages import Messages
from mjproxy.api.task_cache import TaskJsonCache
from mjproxy.domain.errors import InternalError
from mjproxy.domain.task import Mode
from mjproxy.media.images import ImageLimits
from mjproxy.media.storage import MediaStorage
from mjproxy.services.account_admin import AccountAdmin
from mjproxy.services.accounts import AccountPool
from mjproxy.services.delivery import DeliveryServices
from mjproxy.services.moderation import BannedWordService
from mjproxy.services.queries import TaskQueries
from mjproxy.services.runtime import Services
from mjproxy.services.scheduler import Scheduler
from mjproxy.services.tasks import TaskService
from mjproxy.services.upstream import UpstreamCalls

# A leading path segment before /mj picks the speed mode: /mj-fast/mj/..., /fast/mj/...
_SPEED_SEGMENTS = {
    "mj-fast": Mode.FAST,
    "mj-relax": Mode.RELAX,
    "mj-turbo": Mode.TURBO,
    "fast": Mode.FAST,
    "relax": Mode.RELAX,
    "turbo": Mode.TURBO,
}


# Every dependency is `async def` although none awaits anything: FastAPI runs a plain `def`
# dependency in its thread pool, a thread hop per dependency per request.


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    return services_of(request)


async def speed_mode(request: Request) -> Mode | None:
    """The mode named by the path prefix, or None for bare /mj and unknown segments."""
    segment = request.path_params.get("speed")
    return _SPEED_SEGMENTS.get(segment.lower()) if isinstance(segment, str) else None


async def require_api_key(request: Request) -> None:
    keys: KeyCheck = request.app.state.keys
    keys.require_api_key(request)


async def require_admin_key(request: Request) -> None:
    keys: KeyCheck = request.app.state.keys
    keys.require_admin_key(request)


async def _tasks(request: Request) -> TaskService:
    return services_of(request).tasks


async def _queries(request: Request) -> TaskQueries:
    return services_of(request).queries


async def _upstream(request: Request) -> UpstreamCalls:
    return services_of(request).upstream


async def _pool(request: Request) -> AccountPool:
    return services_of(request).pool


async def _accounts_admin(request: Request) -> AccountAdmin:
    return services_of(request).accounts


async def _scheduler(request: Request) -> Scheduler:
    return services_of(request).scheduler


async def _banned_words(request: Request) -> BannedWordService:
    service = services_of(request).banned_words
    if service is None:
        raise InternalError(
            "This server runs with a custom prompt pipeline and keeps no banned-word list."
        )
    return service


async def _task_cache(request: Request) -> TaskJsonCache:
    cache: TaskJsonCache = request.app.state.task_cache
    return cache


async def _messages(request: Request) -> Messages:
    messages: Messages = request.app.state.messages
    return messages


async def _image_limits(request: Request) -> ImageLimits:
    return ImageLimits(max_bytes=services_of(request).settings.images.max_bytes)


async def _delivery(request: Request) -> DeliveryServices:
    return services_of(request).delivery


async def _media_storage(request: Request) -> MediaStorage:
    return services_of(request).delivery.storage


Tasks = Annotated[TaskService, Depends(_tasks)]
Queries = Annotated[TaskQueries, Depends(_queries)]
Upstream = Annotated[UpstreamCalls, Depends(_upstream)]
Pool = Annotated[AccountPool, Depends(_pool)]
SchedulerDep = Annotated[Scheduler, Depends(_scheduler)]
AccountsAdmin = Annotated[AccountAdmin, Depends(_accounts_admin)]
Msgs = Annotated[Messages, Depends(_messages)]
TaskCache = Annotated[TaskJsonCache, Depends(_task_cache)]
Speed = Annotated[Mode | None, Depends(speed_mode)]
Limits = Annotated[ImageLimits, Depends(_image_limits)]
ServicesDep = Annotated[Services, Depends(get_services)]
Delivery = Annotated[DeliveryServices, Depends(_delivery)]
MediaStorageDep = Annotated[MediaStorage, Depends(_media_storage)]
BannedWords = Annotated[BannedWordService, Depends(_banned_words)]
