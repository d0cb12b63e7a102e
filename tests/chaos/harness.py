"""Real processes for chaos tests: a standalone sandbox, `mjproxy serve`, a webhook receiver.

Everything talks over sockets on 127.0.0.1 with ports chosen by the OS. The sandbox is its own
process so it outlives a killed server; faults are injected through its control API, the
way an operator's test rig would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiohttp import web

_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")
START_S = 40.0
TERMINAL = frozenset({"SUCCESS", "FAILURE", "CANCEL"})
# The order a task's states may follow; a webhook receiver must never see one go back.
STATUS_RANK = {"NOT_START": 0, "MODAL": 0, "SUBMITTED": 1, "IN_PROGRESS": 2}
STATUS_RANK.update(dict.fromkeys(TERMINAL, 3))


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MJPROXY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Child:
    """A `python -m mjproxy …` child whose output is read all the time (so a full pipe never
    stalls it), kept in memory and copied to `log_path` for a post-mortem."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.lines: list[str] = []
        self._log = log_path.open("a", encoding="utf-8")
        self._changed = asyncio.Condition()
        self._readers = [
            asyncio.create_task(self._read(stream))
            for stream in (process.stdout, process.stderr)
            if stream is not None
        ]

    @classmethod
    async def start(cls, argv: Iterable[str], log_path: Path) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mjproxy", *argv,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_child_env(),
        )  # fmt: skip
        return cls(process, log_path)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := (await stream.readline()).decode(errors="replace"):
            self._log.write(line)
            async with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    async def line_matching(self, pattern: re.Pattern[str], *, start: int = 0) -> re.Match[str]:
        """The first line (from index `start`) matching `pattern`, waiting for it."""
        async with asyncio.timeout(START_S), self._changed:
            index = start
            while True:
                for line in self.lines[index:]:
                    if match := pattern.search(line):
                        return match
                index = len(self.lines)
                if self.process.returncode is not None or all(r.done() for r in self._readers):
                    tail = "".join(self.lines[-40:])
                    raise AssertionError(f"the process exited early:\n{tail}")
                await self._changed.wait()

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        self.process.kill()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(START_S):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
        await self.process.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._log.close()


@dataclass
class SandboxProcess:
    child: Child
    info: dict[str, Any]
    control: httpx.AsyncClient

    @property
    def accounts(self) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = self.info["accounts"]
        return accounts

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.control.request(method, path, json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def jobs(self) -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = await self.call("GET", "/jobs")
        return jobs

    async def sessions(self) -> list[dict[str, Any]]:
        sessions: list[dict[str, Any]] = await self.call("GET", "/sessions")
        return sessions


@asynccontextmanager
async def running_sandbox(
    log_dir: Path, *, accounts: int, speed: float, heartbeat_interval_ms: int = 41_250
) -> AsyncIterator[SandboxProcess]:
    argv = (
        "sandbox", "--json", "--accounts", str(accounts), "--plan", "pro",
        "--speed", str(speed), "--tile-px", "32", "--seed", "7",
        "--heartbeat-interval-ms", str(heartbeat_interval_ms),
    )  # fmt: skip
    child = await Child.start(argv, log_dir / "sandbox.log")
    try:
        line = await child.line_matching(re.compile(r"^\{.*\}$"))
        info = json.loads(line.group(0))
        base = info["urls"]["api"].removesuffix("/api/v9")
        async with httpx.AsyncClient(base_url=f"{base}/_sandbox", trust_env=False) as control:
            yield SandboxProcess(child, info, control)
    finally:
        await child.stop()


def write_config(
    path: Path,
    sandbox: SandboxProcess,
    *,
    scheduler: dict[str, Any] | None = None,
    discord: dict[str, Any] | None = None,
) -> Path:
    """A config file pointing `mjproxy serve` at the sandbox, one account per sandbox member."""
    urls = sandbox.info["urls"]
    config = {
        "discord": {
            "api_url": urls["api"],
            "gateway_url": urls["gateway"],
            "iframe_url": urls["api"].removesuffix("/api/v9") + "/discordsays/{application_id}",
            "sync_info_on_ready": False,
            **(discord or {}),
        },
        "scheduler": scheduler or {},
        "webhooks": {"allowed_networks": ["127.0.0.1/32"], "first_delay_s": 0.2},
        "accounts": [
            {
                "id": f"acc{number}",
                "engine": "discord",
                "channel_id": member["channel_id"],
                "guild_id": member["guild_id"],
                "user_token": member["token"],
            }
            for number, member in enumerate(sandbox.accounts, start=1)
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Server:
    child: Child
    client: httpx.AsyncClient

    async def ready_accounts(self) -> int:
        accounts = (await self.client.get("/mj/account/list")).json()
        return sum(account["state"] == "ready" for account in accounts)


@asynccontextmanager
async def serving(data_dir: Path, config: Path, *, accounts: int) -> AsyncIterator[Server]:
    """`mjproxy serve` on a free port; yields once every account is ready."""
    argv = ("serve", "--port", "0", "--data-dir", str(data_dir), "--config", str(config))
    child = await Child.start(argv, data_dir / "server.log")
    try:
        port = (await child.line_matching(_RUNNING)).group(1)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=30) as client:
            server = Server(child, client)
            await poll(lambda: server.ready_accounts(), lambda ready: ready == accounts)
            yield server
    finally:
        await child.stop()


async def poll(
    probe: Callable[[], Any], done: Callable[[Any], bool], *, timeout_s: float = START_S
) -> Any:
    """Call `probe` until `done(result)`: for state only visible through an HTTP API."""
    async with asyncio.timeout(timeout_s):
        while not done(result := await probe()):  # noqa: ASYNC110
            await asyncio.sleep(0.2)  # no event to await across a process boundary
    return result


def is_settled(task: dict[str, Any]) -> bool:
    """Finished, and a success's image re-hosted (its final URL in place)."""
    if task["status"] not in TERMINAL:
        return False
    return task["status"] != "SUCCESS" or task["properties"].get("mediaStatus") == "stored"


@dataclass
class Tasks:
    """A client's view: submit through the API, read states back in bulk."""

    client: httpx.AsyncClient

    async def submit(self, path: str, body: dict[str, Any]) -> str:
        response = await self.client.post(path, json=body)
        assert response.status_code == 200, response.text
        reply = response.json()
        assert reply["code"] in (1, 22), reply
        return str(reply["result"])

    async def fetch_all(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 100):
            response = await self.client.post(
                "/mj/task/list-by-condition", json={"ids": wanted[start : start + 100]}
            )
            assert response.status_code == 200, response.text
            found.update({task["id"]: task for task in response.json()})
        return found

    async def until_finished(
        self, ids: Iterable[str], *, timeout_s: float
    ) -> dict[str, dict[str, Any]]:
        wanted = list(ids)

        async def probe() -> dict[str, dict[str, Any]]:
            return await self.fetch_all(wanted)

        def finished(tasks: dict[str, dict[str, Any]]) -> bool:
            return len(tasks) == len(wanted) and all(map(is_settled, tasks.values()))

        try:
            result: dict[str, dict[str, Any]] = await poll(probe, finished, timeout_s=timeout_s)
        except TimeoutError:
            tasks = await self.fetch_all(wanted)
            stuck = {
                i: (t["status"], t["properties"].get("mediaStatus"))
                for i, t in tasks.items()
                if not is_settled(t)
            }
            raise AssertionError(f"{len(stuck)} tasks never finished: {stuck}") from None
        return result


@dataclass
class Delivery:
    delivery_id: str
    attempt: int
    task_id: str
    status: str
    progress: int
    body: dict[str, Any]


@dataclass
class HookReceiver:
    """Collects every webhook POST, in arrival order."""

    url: str = ""
    received: list[Delivery] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for(self, predicate: Callable[[], bool], *, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(predicate)

    def by_task(self) -> dict[str, list[Delivery]]:
        grouped: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in self.received:
            grouped[delivery.task_id].append(delivery)
        return grouped

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(
            Delivery(
                delivery_id=request.headers["X-Mjproxy-Delivery"],
                attempt=int(request.headers["X-Mjproxy-Attempt"]),
                task_id=str(body["id"]),
                status=str(body["status"]),
                progress=int(str(body["progress"]).rstrip("%") or 0),
                body=body,
            )
        )
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True})


@asynccontextmanager
async def hook_receiver() -> AsyncIterator[HookReceiver]:
    receiver = HookReceiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        sockets = site._server.sockets if site._server else ()  # type: ignore[union-attr]
        port = next(iter(sockets)).getsockname()[1]
        receiver.url = f"http://127.0.0.1:{port}/hook"
        yield receiver
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


def assert_hooks_in_order(received: list[Delivery]) -> None:
    """Per task, (status rank, progress) never goes back; duplicates must repeat a state."""
    last: dict[str, tuple[int, int]] = {}
    for delivery in received:
        key = (STATUS_RANK[delivery.status], delivery.progress)
        before = last.get(delivery.task_id)
        assert before is None or key >= before, (delivery.task_id, before, key)
        last[delivery.task_id] = key
