"""A small HTTP/1.1 load generator: keep-alive connections, each sending its next request as
soon as the previous answer is read (closed loop), for a fixed time.

It writes pre-built request bytes and reads each answer by its Content-Length, so the client
spends as little CPU as possible per request (an HTTP library would cost several times more
and, on a small machine, measure itself). Run it in a process of its own, never in the
server's.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.harness import percentile


def get(path: str, headers: dict[str, str] | None = None) -> bytes:
    return _request("GET", path, b"", headers or {})


def post_json(path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    extra = {"Content-Type": "application/json", **(headers or {})}
    return _request("POST", path, body, extra)


def _request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def p(self, share: float) -> float:
        return percentile(self.latencies_ms, share)

    def line(self, label: str) -> str:
        return (
            f"{label:<34} {self.per_second:8.0f} req/s   p50 {self.p(0.5):6.2f} ms   "
            f"p99 {self.p(0.99):6.2f} ms   ({len(self.latencies_ms)} requests, "
            f"{self.errors} errors)"
        )


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one response: (status, body). Only Content-Length bodies are supported."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _connection(
    host: str, port: int, requests: Sequence[bytes], stop_at: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in itertools.cycle(requests):
            started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(request)
            try:
                status, _ = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                result.errors += 1
                return
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status != 200:
                result.errors += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    seconds: float,
    warmup_s: float = 1.0,
) -> LoadResult:
    """Closed-loop load on `connections` keep-alive connections; a warm-up is not counted."""
    if warmup_s:
        await run_load(host, port, requests, connections=connections, seconds=warmup_s, warmup_s=0)
    result = LoadResult(seconds=seconds)
    stop_at = time.perf_counter() + seconds
    # Each connection starts at a different point of the request list.
    step = max(1, len(requests) // connections)
    await asyncio.gather(
        *(
            _connection(host, port, [*requests[i * step :], *requests[: i * step]], stop_at, result)
            for i in range(connections)
        )
    )
    return result
