"""Runs benchmark modules as subprocesses and records what they printed."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# Order matters only for reading: cheap, pure-CPU benchmarks first.
BENCHMARKS: dict[str, str] = {
    "prompt_pipeline": "banned-word matching and parameter checks",
    "delivery": "grid preparation and webhook outbox throughput",
    "api_overhead": "fetch and list-by-condition against a bare app on the same stack",
    "event_latency": "sandbox event to fetch, SSE and webhook",
    "submit_load": "200 concurrent clients submitting imagine",
    "slot_efficiency": "makespan of M jobs on N accounts × c slots against the ideal",
    "scale": "1 000 accounts on one proxy: connect, memory, idle CPU, busy throughput",
}

RESULTS = Path(__file__).parent / "results"
SUMMARY_PREFIX = "SUMMARY "


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return [
        f"- machine: {cpu}, {os.cpu_count()} cores{memory}",
        f"- python: {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- commit: {commit or 'unknown'}",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
    ]


def run_one(name: str) -> tuple[int, float, list[str]]:
    print(f"\n=== {name}: {BENCHMARKS[name]}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    code = process.wait()
    return code, time.monotonic() - started, lines


def run_benchmarks(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    report = ["# Benchmark run", "", *machine(), ""]
    summaries: list[str] = []
    failed: list[str] = []
    for name in names:
        code, seconds, lines = run_one(name)
        summary = next((x for x in reversed(lines) if x.startswith(SUMMARY_PREFIX)), None)
        if code != 0 or summary is None:
            failed.append(name)
            summary = f"{SUMMARY_PREFIX}{name}: FAILED (exit {code})"
        summaries.append(summary)
        command = f"python -m bench.{name}"
        report += [f"## {name} ({seconds:.0f} s, `{command}`)", "", "```", *lines, "```", ""]
    report += ["## Summary", "", *(f"- {line.removeprefix(SUMMARY_PREFIX)}" for line in summaries)]
    RESULTS.mkdir(exist_ok=True)
    text = "\n".join(report) + "\n"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)
    print("\n" + "\n".join(summaries))
    print(f"\nwritten to {RESULTS / 'latest.md'}")
    return 1 if failed else 0
