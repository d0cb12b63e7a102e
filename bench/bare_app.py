"""The baseline of `bench.api_overhead`: the same server stack (uvicorn + FastAPI, the same
uvicorn settings as `mjproxy serve`) answering the two routes with constant, pre-serialised
task JSON. `python -m bench.bare_app` serves it on a free port and logs the port like
uvicorn does for `mjproxy serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from fastapi import FastAPI, Request, Response

from bench.sample_tasks import sample_task
from mjproxy.api.schemas import task_json
from mjproxy.serving import event_loop_factory

LIST_SIZE = 100


def create_bare_app() -> FastAPI:
    one = task_json(sample_task(1)).encode()
    many = b"[" + b",".join([one] * LIST_SIZE) + b"]"
    app = FastAPI()

    @app.get("/mj/task/{task_id}/fetch")
    async def fetch(task_id: str) -> Response:
        return Response(one, media_type="application/json")

    @app.post("/mj/task/list-by-condition")
    async def list_by_condition(request: Request) -> Response:
        await request.body()
        return Response(many, media_type="application/json")

    return app


async def serve() -> None:
    # Exactly the uvicorn settings of mjproxy.serving._serve.
    config = uvicorn.Config(
        create_bare_app(), host="127.0.0.1", port=0, log_config=None, timeout_graceful_shutdown=10
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # The same event loop as `mjproxy serve` (mjproxy.cli._serve).
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=event_loop_factory()) as runner,
    ):
        runner.run(serve())
