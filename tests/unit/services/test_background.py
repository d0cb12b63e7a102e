"""Background work: spawned work runs, and work spawned while stopping is skipped cleanly."""

from __future__ import annotations

import asyncio

from mjproxy.services.background import BackgroundWork


async def test_work_spawned_while_the_service_stops_is_skipped_without_a_leak() -> None:
    # pytest turns "coroutine was never awaited" into an error, so a leak fails this test.
    work = BackgroundWork("test")
    ran: list[str] = []
    errors: list[Exception] = []

    async def record(name: str) -> None:
        ran.append(name)

    async def spawn_when_cancelled() -> None:
        try:
            await asyncio.Future()
        except asyncio.CancelledError:
            try:
                work.spawn(record("late"), name="late")  # the group is shutting down now
            except RuntimeError as exc:
                errors.append(exc)
            raise

    runner = asyncio.create_task(work.run())
    await asyncio.sleep(0)
    work.spawn(record("early"), name="early")
    work.spawn(spawn_when_cancelled(), name="stopper")
    await asyncio.sleep(0.01)
    runner.cancel()
    (outcome,) = await asyncio.gather(runner, return_exceptions=True)
    assert isinstance(outcome, asyncio.CancelledError)  # no error from the late spawn
    assert ran == ["early"]
    assert errors == []
