"""One writer at a time on SQLite, waiting its turn in asyncio instead of in SQLite.

SQLite lets one connection write at a time. Another connection that tries waits in SQLite's
busy handler, which polls by sleeping in growing steps (up to 100 ms each) rather than being
woken when the lock frees. Under load (engine updates, re-hosted media and the webhook outbox
all writing) py-spy showed the proxy's SQLite threads spending most of their time in that
sleep, adding hundreds of milliseconds to every event on its way to clients. So writers in
this process queue on an asyncio lock, one per engine, and are woken the moment the previous
writer commits; SQLite's busy timeout is left for other processes. PostgreSQL and MySQL lock
rows, not the database, so they get no gate.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from sqlalchemy.ext.asyncio import AsyncEngine

_gates: weakref.WeakKeyDictionary[object, asyncio.Lock] = weakref.WeakKeyDictionary()


def write_gate(engine: AsyncEngine) -> contextlib.AbstractAsyncContextManager[None]:
    """Hold this around a transaction that writes (every repository on `engine` shares it)."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    lock = _gates.get(engine.sync_engine)
    if lock is None:
        lock = _gates[engine.sync_engine] = asyncio.Lock()
    return lock
