"""The real app behind a real socket, in a thread of its own, for a synchronous fuzzer.

schemathesis sends its requests with `requests` from the test's thread, so the app (its
lifespan, a SQLite file store and a scripted engine that cannot reach Discord) runs on its
own event loop in a second thread, served by uvicorn on 127.0.0.1:<free port>. Before the
fuzzer starts, the server holds a finished imagine (with buttons) and a running one, so
generated requests that name them reach past the "unknown task" checks.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from mjproxy.api.app import create_app
from mjproxy.engines.base import EngineSinks
from tests.harness import USER_TOKEN, account, build_settings
from tests.scripted_engine import WAIT_S, ScriptedEngine

API_KEY = "fuzz-api-key-3f9c1d"
ADMIN_KEY = "fuzz-admin-key-8b27e4"
# Words that must never appear in any reply, whatever the request.
SECRETS = (API_KEY, ADMIN_KEY, USER_TOKEN)


@dataclass
class Seeded:
    """What exists on the server before the fuzzer starts."""

    finished_task: str
    running_task: str
    job_hash: str
    account_ids: list[str]


@dataclass
class FuzzServer:
    base_url: str
    seeded: Seeded


def _settings(data_dir: Path) -> Any:
    return build_settings(
        f"sqlite:///{data_dir / 'mjproxy.db'}",
        data_dir,
        api_secret=API_KEY,
        admin_secret=ADMIN_KEY,
        accounts=[account("acc-1"), account("acc-2"), account("acc-3")],
        # Room for every accepted submit: the scripted engine never finishes them.
        scheduler={"running": 100, "queued": 1000},
    )


async def _seed(base_url: str, engines: list[ScriptedEngine]) -> Seeded:
    headers = {"mj-api-secret": API_KEY}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, trust_env=False) as client:

        async def imagine(prompt: str) -> str:
            body = {"prompt": prompt, "accountFilter": {"instanceId": "acc-1"}}
            reply = (await client.post("/mj/submit/imagine", json=body)).json()
            assert reply["code"] == 1, reply
            # The lifespan built the engine before the server answered.
            assert (await engines[0].next_job()).task.id == reply["result"]
            return str(reply["result"])

        finished = await imagine("a red ceramic mug")
        job_hash = await engines[0].succeed(finished)
        running = await imagine("a green lamp")
    # The fuzzer may delete or disable the accounts it is given; acc-1 keeps serving submits.
    return Seeded(finished, running, job_hash, ["acc-2", "acc-3"])


class _ServerThread:
    """The server's thread and loop, and what they hand back to the test's thread."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ready = threading.Event()
        self.server: FuzzServer | None = None
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, name="fuzz-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self.error = exc
        finally:
            self.ready.set()

    async def _serve(self) -> None:
        engines: list[ScriptedEngine] = []

        def build(sinks: EngineSinks) -> ScriptedEngine:
            engines.append(ScriptedEngine(sinks))
            return engines[-1]

        app = create_app(_settings(self.data_dir), engines={"scripted": build})
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            # The socket already listens: requests wait in its backlog until uvicorn has run
            # the lifespan and accepts them.
            self.server = FuzzServer(base_url, await _seed(base_url, engines))
            self.loop = asyncio.get_running_loop()
            self.ready.set()
            await self.stop.wait()
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, WAIT_S)
            listener.close()

    def request_stop(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)


@contextmanager
def fuzz_server(data_dir: Path) -> Iterator[FuzzServer]:
    """Run the app until the block ends; an error in the server's thread fails the block."""
    running = _ServerThread(data_dir)
    running.thread.start()
    try:
        assert running.ready.wait(WAIT_S * 3), "the fuzz server did not start"
        if running.error is not None:
            raise running.error
        assert running.server is not None
        yield running.server
    finally:
        running.request_stop()
        running.thread.join(WAIT_S * 3)
        assert not running.thread.is_alive(), "the fuzz server did not stop"
        if running.error is not None:
            raise running.error
