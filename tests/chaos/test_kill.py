"""`mjproxy serve` killed with SIGKILL twice during 100 tasks: nothing lost, nothing doubled.

The sandbox runs as its own process and keeps working while the server is dead, so results
arrive with nobody listening and tasks wait in every state at the moment of each kill:
queued, just sent to Discord, half done, finished but not yet announced. After the last
restart every task must have succeeded exactly once upstream (one sandbox job per prompt),
and the webhook receiver must have seen every task's SUCCESS with no state going back.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.harness import (
    TERMINAL,
    HookReceiver,
    SandboxProcess,
    Tasks,
    assert_hooks_in_order,
    hook_receiver,
    poll,
    running_sandbox,
    serving,
    write_config,
)

ACCOUNTS = 3
WAVE = 50
SPEED = 40


def prompt_of(number: int) -> str:
    return f"killed cat {number} mark{number:03d}q"


async def submit_wave(tasks: Tasks, numbers: range, hook: str) -> dict[str, str]:
    async def one(number: int) -> tuple[str, str]:
        body = {"prompt": prompt_of(number), "notifyHook": hook}
        return await tasks.submit("/mj/submit/imagine", body), prompt_of(number)

    return dict(await asyncio.gather(*(one(number) for number in numbers)))


async def kill_when_finished(tasks: Tasks, ids: list[str], count: int, server: Any) -> None:
    """SIGKILL the server once `count` of `ids` are finished (work is in flight everywhere)."""

    async def finished() -> int:
        states = await tasks.fetch_all(ids)
        return sum(task["status"] in TERMINAL for task in states.values())

    await poll(finished, lambda done: done >= count, timeout_s=60)
    server.child.kill()
    await server.child.process.wait()


@pytest.mark.timeout(150)
async def test_sigkill_twice_loses_and_doubles_nothing(tmp_path: Path) -> None:
    async with (
        running_sandbox(tmp_path, accounts=ACCOUNTS, speed=SPEED) as sandbox,
        hook_receiver() as hooks,
    ):
        config = write_config(tmp_path / "config.yaml", sandbox, scheduler={"queued": 100})
        prompts: dict[str, str] = {}
        async with serving(tmp_path, config, accounts=ACCOUNTS) as server:
            tasks = Tasks(server.client)
            prompts |= await submit_wave(tasks, range(WAVE), hooks.url)
            await kill_when_finished(tasks, [*prompts], 12, server)
        async with serving(tmp_path, config, accounts=ACCOUNTS) as server:
            tasks = Tasks(server.client)
            prompts |= await submit_wave(tasks, range(WAVE, 2 * WAVE), hooks.url)
            await kill_when_finished(tasks, [*prompts], 60, server)
        async with serving(tmp_path, config, accounts=ACCOUNTS) as server:
            final = await Tasks(server.client).until_finished(prompts, timeout_s=60)
            await check_hooks(hooks, final)
        await check_upstream(sandbox, final, prompts)


async def check_upstream(
    sandbox: SandboxProcess, final: dict[str, dict[str, Any]], prompts: dict[str, str]
) -> None:
    assert len(final) == len(prompts) == 2 * WAVE
    failed = {i: t["failReason"] for i, t in final.items() if t["status"] != "SUCCESS"}
    assert not failed, failed
    jobs = {job["uuid"]: job for job in await sandbox.jobs()}
    # Each prompt went to Midjourney once, and its task holds that very job.
    per_prompt = Counter(job["prompt"].split(" --")[0] for job in jobs.values())
    assert set(per_prompt) == set(prompts.values())
    assert max(per_prompt.values()) == 1, per_prompt.most_common(3)
    for task_id, prompt in prompts.items():
        job = jobs[final[task_id]["properties"]["messageHash"]]
        assert job["prompt"].startswith(prompt + " "), (task_id, prompt, job)
        assert job["status"] == "succeeded"


async def check_hooks(hooks: HookReceiver, final: dict[str, dict[str, Any]]) -> None:
    def missing() -> set[str]:
        return set(final) - {d.task_id for d in hooks.received if d.status == "SUCCESS"}

    try:
        await hooks.wait_for(lambda: not missing(), timeout_s=30)
    except TimeoutError:
        raise AssertionError(f"no SUCCESS delivery for {sorted(missing())}") from None
    assert_hooks_in_order(hooks.received)
    for task_id, task in final.items():
        success = [d for d in hooks.by_task()[task_id] if d.status == "SUCCESS"]
        assert success[-1].body["imageUrl"] == task["imageUrl"], task_id
