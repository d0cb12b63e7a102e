"""The application factory. Nothing is created at import time; `create_app` builds it all.

The lifespan opens the store (unless one is given), builds the services and engines, runs
the scheduler in a task group, opens the accounts and resumes unfinished tasks; on shutdown
it undoes all of that and logs one summary line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware.cors import CORSMiddleware

from mjproxy import __version__
from mjproxy.api.auth import KeyCheck
from mjproxy.api.errors import install_error_handlers
from mjproxy.api.messages import Messages
from mjproxy.api.middleware import CrashGuardMiddleware, JsonBodyMiddleware
from mjproxy.api.openapi import install_openapi
from mjproxy.api.routes import health, media, mj_router
from mjproxy.api.schemas import task_json
from mjproxy.api.task_cache import TaskJsonCache
from mjproxy.clock import system_clock_ms
from mjproxy.config import Settings
from mjproxy.engines.base import EngineFactory
from mjproxy.services.prompt_pipeline import PromptPipeline, build_prompt_pipeline
from mjproxy.services.prompts import PassThroughPipeline, PromptPreparer
from mjproxy.services.runtime import build_services, running
from mjproxy.store.banned_words import SqlBannedWordRepository
from mjproxy.store.base import AccountRepository, OutboxRepository, TaskRepository
from mjproxy.store.sql import open_store
from mjproxy.store.urls import describe

logger = logging.getLogger(__name__)

_DESCRIPTION = """\
The Midjourney Proxy API. Every route under `/mj` also answers under a speed-mode prefix:
`/mj-fast/mj/...`, `/mj-relax/mj/...`, `/mj-turbo/mj/...` (and `/fast/mj/...` etc.).

Authenticate with `mj-api-secret: <key>`, `Authorization: Bearer <key>` or
`Authorization: <key>`. Submit routes answer HTTP 200 with a `code`: 1 accepted,
22 queued, 21 waiting for a modal confirm, 23 queue full, 24 banned prompt,
4 invalid request, 3 no account / related task missing, 9 internal failure.
"""


def create_app(
    settings: Settings,
    *,
    engines: Mapping[str, EngineFactory] | None = None,
    store: TaskRepository | None = None,
    outbox: OutboxRepository | None = None,
    accounts: AccountRepository | None = None,
    clock_ms: Callable[[], int] = system_clock_ms,
    pipeline: PromptPreparer | None = None,
) -> FastAPI:
    """Build the API for `settings`.

    `engines` maps an engine name (an account's `engine`) to the factory that builds it.
    `store` (with `accounts`, and `outbox` for webhooks) replace the database named in the
    settings (the caller then owns them). `pipeline` replaces the prompt pipeline built from
    `settings.prompts` (checks, banned words kept in the database, translation); with a
    given `store` and no `pipeline`, prompts pass through unchecked, as there is no
    database to keep the word list in.
    """
    if (store is None) != (accounts is None):
        raise ValueError("create_app needs `accounts` together with `store`, or neither.")
    app = FastAPI(
        title="mjproxy",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=_lifespan(
            settings, dict(engines or {}), (store, outbox, accounts), clock_ms, pipeline
        ),
        redoc_url=None,
    )
    app.state.messages = Messages(settings.language)
    app.state.task_cache = TaskJsonCache()
    app.state.keys = KeyCheck(api_secret=settings.api_secret, admin_secret=settings.admin_secret)
    install_error_handlers(app)
    app.include_router(mj_router(), prefix="/mj")
    # Aggregators put the speed mode in front (/mj-fast/mj/...); other single segments work too.
    app.include_router(mj_router(), prefix="/{speed}/mj", include_in_schema=False)
    app.include_router(health.router)
    # Images are read without a key (the path holds an unguessable token): docs/media.md.
    app.include_router(media.router, prefix="/mj")
    install_openapi(app)
    app.add_middleware(JsonBodyMiddleware, max_body_bytes=_max_body_bytes(settings))
    app.add_middleware(CrashGuardMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Total-Count"],
        max_age=600,
    )
    return app


def _max_body_bytes(settings: Settings) -> int:
    images = settings.images
    most_images = max(images.max_reference_images, images.max_upload_images, 5) + 2
    return images.max_bytes * 4 // 3 * most_images + 1024 * 1024


def _lifespan(
    settings: Settings,
    engines: dict[str, EngineFactory],
    given: tuple[TaskRepository | None, OutboxRepository | None, AccountRepository | None],
    clock_ms: Callable[[], int],
    pipeline: PromptPreparer | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keys: KeyCheck = app.state.keys
        if keys.is_open:
            logger.warning(
                "no api_secret is configured: anyone who can reach this server can use the "
                "API; set MJPROXY_API_SECRET"
            )
        async with AsyncExitStack() as stack:
            repository, outbox, account_store = given
            preparer: PromptPreparer = pipeline or PassThroughPipeline()
            banned_words = None
            if repository is None or account_store is None:
                # create_app refuses one without the other, so both are None here.
                opened = await open_store(settings.effective_database_url)
                stack.push_async_callback(opened.aclose)
                repository, outbox = opened.tasks, opened.outbox
                account_store = opened.accounts
                if pipeline is None:
                    prompts = await _start_prompt_pipeline(settings, opened.engine, stack)
                    preparer, banned_words = prompts, prompts.banned_words
            services = await build_services(
                settings,
                store=repository,
                accounts=account_store,
                engines=engines,
                pipeline=preparer,
                clock_ms=clock_ms,
                task_json=task_json,
                outbox=outbox,
                banned_words=banned_words,
            )
            app.state.services = services
            async with running(services):
                logger.info(
                    "mjproxy %s ready: %d accounts, engines [%s], database %s",
                    __version__,
                    len(services.pool.all()),
                    ", ".join(sorted(services.engines)) or "none",
                    describe(settings.effective_database_url) if given[0] is None else "(given)",
                )
                yield

    return lifespan


async def _start_prompt_pipeline(
    settings: Settings, engine: AsyncEngine, stack: AsyncExitStack
) -> PromptPipeline:
    """The prompt pipeline of `settings.prompts`, its word list seeded and loaded."""
    prompts = build_prompt_pipeline(settings.prompts, words=SqlBannedWordRepository(engine))
    await prompts.start()
    stack.push_async_callback(prompts.aclose)
    return prompts
