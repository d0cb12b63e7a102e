"""Run the real app (lifespan, services, database) with scripted engines, and talk HTTP to it.

Tests open it with `async with start_app(...) as app:` inside the test body, so the app's
task group starts and stops in the test's own task.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from mjproxy.api.app import create_app
from mjproxy.config import Settings, load_settings
from mjproxy.domain.task import Task, TaskStatus
from mjproxy.engines.base import EngineSinks
from mjproxy.services.runtime import Services
from tests.scripted_engine import WAIT_S, ScriptedEngine

USER_TOKEN = "MTA5OTk5.user-token-that-must-never-leak.xyz"
CHANNEL_ID = "1118138338562560102"


def account(account_id: str = "acc-1", **fields: Any) -> dict[str, Any]:
    return {
        "id": account_id,
        "engine": "scripted",
        "channel_id": CHANNEL_ID if account_id == "acc-1" else f"9{abs(hash(account_id)) % 10**17}",
        "guild_id": "1118138338562560000",
        "user_token": USER_TOKEN,
        **fields,
    }


@dataclass
class App:
    """A running app, its HTTP client and the scripted engines it built."""

    fastapi: FastAPI
    client: httpx.AsyncClient
    engines: list[ScriptedEngine] = field(default_factory=list)

    @property
    def engine(self) -> ScriptedEngine:
        return self.engines[-1]

    @property
    def services(self) -> Services:
        services: Services = self.fastapi.state.services
        return services

    async def submit(self, path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        """POST a submit route; it must answer HTTP 200 with a JSON object."""
        response = await self.client.post(path, json=body if body is not None else {}, **kwargs)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        return reply

    async def imagine(self, prompt: str = "a red ceramic mug", **fields: Any) -> str:
        reply = await self.submit("/mj/submit/imagine", {"prompt": prompt, **fields})
        assert reply["code"] in (1, 22), reply
        result: str = reply["result"]
        return result

    async def fetch(self, task_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/mj/task/{task_id}/fetch")
        assert response.status_code == 200, response.text
        task: dict[str, Any] = response.json()
        return task

    async def finished_imagine(self, prompt: str = "a red ceramic mug") -> tuple[str, str]:
        """An imagine task that ran and succeeded with a grid; returns (task id, job hash)."""
        task_id = await self.imagine(prompt)
        job = await self.engine.next_job()
        assert job.task.id == task_id
        return task_id, await self.engine.succeed(task_id)

    async def wait_until(self, task_id: str, predicate: Callable[[Task], bool]) -> Task:
        """Await (under a deadline) the first stored state of the task that satisfies it."""
        bus = self.services.bus
        async with bus.subscribe(lambda task: task.id == task_id) as events:
            task = await self.services.store.get(task_id)
            async with asyncio.timeout(WAIT_S):
                while task is None or not predicate(task):
                    task = await events.next()
        return task

    async def wait_status(self, task_id: str, status: TaskStatus) -> Task:
        return await self.wait_until(task_id, lambda task: task.status is status)


def build_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "accounts": [account()],
        # The scripted CDN URLs lead nowhere; tests of re-hosting turn it on with a real CDN.
        "media": {"rehost": False},
    }
    values.update(overrides)
    return load_settings(environ={}, overrides=values)


@asynccontextmanager
async def run_app(
    settings: Settings, *, engine_options: dict[str, Any] | None = None, **create_kwargs: Any
) -> AsyncIterator[App]:
    """Run the app; `engine_options` are set on the scripted engine before accounts open."""
    engines: list[ScriptedEngine] = []

    def build_engine(sinks: EngineSinks) -> ScriptedEngine:
        engine = ScriptedEngine(sinks)
        for name, value in (engine_options or {}).items():
            setattr(engine, name, value)
        engines.append(engine)
        return engine

    fastapi = create_app(settings, engines={"scripted": build_engine}, **create_kwargs)
    async with fastapi.router.lifespan_context(fastapi):
        transport = httpx.ASGITransport(app=fastapi)
        async with httpx.AsyncClient(transport=transport, base_url="http://mjproxy.test") as client:
            yield App(fastapi=fastapi, client=client, engines=engines)


StartApp = Callable[..., AbstractAsyncContextManager[App]]


def starter(database_url: str, data_dir: Path) -> StartApp:
    """`start(**setting_overrides)` opens the app on the test's database;
    `create={...}` passes extra arguments to `create_app` (a prompt pipeline …)."""

    def start(
        *, create: dict[str, Any] | None = None, **overrides: Any
    ) -> AbstractAsyncContextManager[App]:
        return run_app(build_settings(database_url, data_dir, **overrides), **(create or {}))

    return start
