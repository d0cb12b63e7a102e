"""The API's routes. `mj_router()` holds everything served under `/mj` (and its mode prefixes)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mjproxy.api.deps import require_admin_key, require_api_key
from mjproxy.api.routes import (
    accounts,
    accounts_admin,
    actions,
    banned_words,
    streams,
    submit,
    tasks,
    webhooks_admin,
)


def mj_router() -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_api_key)])
    router.include_router(submit.router)
    router.include_router(actions.router)
    router.include_router(tasks.router)
    router.include_router(accounts.router)
    router.include_router(streams.router)
    router.include_router(webhooks_admin.router, dependencies=[Depends(require_admin_key)])
    router.include_router(banned_words.router)
    router.include_router(accounts_admin.router)
    return router
