"""Simulated time: at speed 1 an imagine takes as long as on Midjourney (some front-ends miss
tasks that finish within seconds), and relax and turbo have their own pace.

The sandbox runs fast here; what is measured is the simulated time its bot asked to wait,
which the speed factor does not change.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mjproxy.sandbox import Sandbox

from .conftest import Client

Scale = Callable[[float], float]


async def simulated_seconds(sandbox: Sandbox, client: Client, prompt: str) -> list[float]:
    """The simulated waits the bot made between an imagine and its result (every wait,
    a sleep or a progress step, goes through `Clock.scaled`)."""
    waits: list[float] = []
    real_scaled: Scale = sandbox.clock.scaled

    def recording(seconds: float) -> float:
        waits.append(seconds)
        return real_scaled(seconds)

    sandbox.clock.scaled = recording  # type: ignore[method-assign]
    try:
        await client.result_of(await client.imagine(prompt))
    finally:
        sandbox.clock.scaled = real_scaled  # type: ignore[method-assign]
    return waits


@pytest.mark.parametrize(
    ("flag", "low_s", "high_s"),
    [("--fast", 10, 30), ("--relax", 30, 120), ("--turbo", 5, 15)],
)
async def test_an_imagine_takes_real_like_time_with_visible_steps(
    sandbox: Sandbox, client: Client, flag: str, low_s: float, high_s: float
) -> None:
    waits = await simulated_seconds(sandbox, client, f"a slow cat {flag}")
    assert low_s <= sum(waits) <= high_s
    assert len([w for w in waits if w >= 1.0]) >= 5  # progress steps a poller can see


async def test_relax_is_slower_than_fast_and_turbo_faster(sandbox: Sandbox, client: Client) -> None:
    fast, relax, turbo = [
        sum(await simulated_seconds(sandbox, client, f"a cat {flag}"))
        for flag in ("--fast", "--relax", "--turbo")
    ]
    assert turbo < fast < relax
