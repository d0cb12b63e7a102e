"""Per-key locks serialise work per key and forget keys nobody uses."""

from __future__ import annotations

import asyncio

from mjproxy.services.locks import KeyedLock


async def test_work_on_one_key_takes_turns_and_other_keys_do_not_wait() -> None:
    locks = KeyedLock()
    order: list[str] = []
    first_inside, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with locks.hold("a"):
            order.append("first")
            first_inside.set()
            await release_first.wait()
            order.append("/first")

    async def second() -> None:
        async with locks.hold("a"):
            order.append("second")

    async with asyncio.timeout(5):
        holder = asyncio.create_task(first())
        await first_inside.wait()
        waiter = asyncio.create_task(second())
        async with locks.hold("b"):  # another key: no waiting behind "a"
            order.append("other")
        release_first.set()
        await asyncio.gather(holder, waiter)
    assert order == ["first", "other", "/first", "second"]
    assert len(locks) == 0
