"""Route dependencies: the services the lifespan built, the key check and the speed mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mjproxy.api.auth import KeyCheck
from mjproxy.api.messages import Messages
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


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def speed_mode(request: Request) -> Mode | None:
    """The mode named by the path prefix, or None for bare /mj and unknown segments."""
    segment = request.path_params.get("speed")
    return _SPEED_SEGMENTS.get(segment.lower()) if isinstance(segment, str) else None


def require_api_key(request: Request) -> None:
    keys: KeyCheck = request.app.state.keys
    keys.require_api_key(request)


def require_admin_key(request: Request) -> None:
    keys: KeyCheck = request.app.state.keys
    keys.require_admin_key(request)


def _tasks(request: Request) -> TaskService:
    return get_services(request).tasks


def _queries(request: Request) -> TaskQueries:
    return get_services(request).queries


def _upstream(request: Request) -> UpstreamCalls:
    return get_services(request).upstream


def _pool(request: Request) -> AccountPool:
    return get_services(request).pool


def _accounts_admin(request: Request) -> AccountAdmin:
    return get_services(request).accounts


def _scheduler(request: Request) -> Scheduler:
    return get_services(request).scheduler


def _banned_words(request: Request) -> BannedWordService:
    service = get_services(request).banned_words
    if service is None:
        raise InternalError(
            "This server runs with a custom prompt pipeline and keeps no banned-word list."
        )
    return service


def _messages(request: Request) -> Messages:
    messages: Messages = request.app.state.messages
    return messages


def _image_limits(request: Request) -> ImageLimits:
    return ImageLimits(max_bytes=get_services(request).settings.images.max_bytes)


def _delivery(request: Request) -> DeliveryServices:
    return get_services(request).delivery


def _media_storage(request: Request) -> MediaStorage:
    return get_services(request).delivery.storage


Tasks = Annotated[TaskService, Depends(_tasks)]
Queries = Annotated[TaskQueries, Depends(_queries)]
Upstream = Annotated[UpstreamCalls, Depends(_upstream)]
Pool = Annotated[AccountPool, Depends(_pool)]
SchedulerDep = Annotated[Scheduler, Depends(_scheduler)]
AccountsAdmin = Annotated[AccountAdmin, Depends(_accounts_admin)]
Msgs = Annotated[Messages, Depends(_messages)]
Speed = Annotated[Mode | None, Depends(speed_mode)]
Limits = Annotated[ImageLimits, Depends(_image_limits)]
ServicesDep = Annotated[Services, Depends(get_services)]
Delivery = Annotated[DeliveryServices, Depends(_delivery)]
MediaStorageDep = Annotated[MediaStorage, Depends(_media_storage)]
BannedWords = Annotated[BannedWordService, Depends(_banned_words)]
