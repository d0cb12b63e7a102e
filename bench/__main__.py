"""`python -m bench [name ...]` runs every benchmark (or the named ones) in turn.

Each benchmark is a module `bench/<name>.py` run as its own process (`python -m
bench.<name>`), so one benchmark's threads, sockets and memory never colour the next. A
benchmark prints its figures and ends with one line that starts with `SUMMARY `. The runner
streams that output, then writes it with the machine and the commit it ran on to
`bench/results/<UTC time>.md` and `bench/results/latest.md`.
"""

from __future__ import annotations

import sys

from bench.runner import BENCHMARKS, run_benchmarks

if __name__ == "__main__":
    sys.exit(run_benchmarks(sys.argv[1:] or list(BENCHMARKS)))
