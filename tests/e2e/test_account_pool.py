"""The account pool end to end: the app, the Discord engine and sandbox subscribers on
different plans. Limits are checked in what the sandbox saw, never by timing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from mjproxy.cli import LIBRARY_LOGGERS
from mjproxy.domain.account import AccountState
from tests.e2e.pool_app import PoolApp, pool_app

STANDARD = {"plan": "standard", "account": {"limits": {"FAST": {"running": 3, "queued": 20}}}}
PRO = {"plan": "pro", "account": {"limits": {"FAST": {"running": 12, "queued": 20}}}}


async def run_all(pool: PoolApp, prompts: list[str], **fields: Any) -> list[dict[str, Any]]:
    replies = [await pool.imagine(prompt, **fields) for prompt in prompts]
    assert all(reply["code"] in (1, 22) for reply in replies), replies
    return list(await asyncio.gather(*(pool.finished(r["result"]) for r in replies)))


async def test_limits_hold_on_every_plan_and_a_lowered_limit_applies_at_once(
    tmp_path: Path,
) -> None:
    async with pool_app(tmp_path, {"std": STANDARD, "pro": PRO}) as pool:
        first = await run_all(pool, [f"a cat {n}" for n in range(20)])
        mark = pool.sandbox.transcript.next_index
        lowered = await pool.admin(
            "PATCH", "/pro", {"limits": {"FAST": {"running": 1, "queued": 20}}}
        )
        second = await run_all(pool, [f"a dog {n}" for n in range(6)])
        peaks = pool.peak_in_flight("std"), pool.peak_in_flight("pro")
        after = pool.peak_in_flight("pro", since=mark)
    assert all(task["status"] == "SUCCESS" for task in first + second)
    assert all(task["mode"] == "FAST" for task in first)
    assert all(task["properties"]["finalPrompt"].endswith("--fast") for task in first)
    assert peaks[0] == 3  # Standard: 3 fast jobs at once, never more
    assert 3 < peaks[1] <= 12  # Pro took the rest of the burst, within its 12
    assert lowered.json()["limits"]["FAST"]["running"] == 1
    assert after == 1
    ran_on = {task["properties"]["discordInstanceId"] for task in first}
    assert ran_on == {"std", "pro"}


async def test_filters_and_a_bot_type_pick_their_accounts(tmp_path: Path) -> None:
    plans = {
        "red": {"plan": "pro", "account": {"remark": "team red", "bots": ["MID_JOURNEY"]}},
        "blue": {"plan": "pro", "account": {"remark": "team blue"}},
    }
    async with pool_app(tmp_path, plans) as pool:
        red = await run_all(pool, ["a"] * 3, accountFilter={"remark": "red"})
        by_channel = await run_all(
            pool, ["b"], accountFilter={"channelId": pool.members["blue"].channel_id}
        )
        niji = await run_all(pool, ["an anime cat --niji 6"])
    assert {t["properties"]["discordInstanceId"] for t in red} == {"red"}
    assert by_channel[0]["properties"]["discordInstanceId"] == "blue"
    assert (niji[0]["botType"], niji[0]["properties"]["discordInstanceId"]) == (
        "NIJI_JOURNEY", "blue",
    )  # fmt: skip


async def test_a_captcha_quarantines_the_account_with_its_link_and_work_moves_on(
    tmp_path: Path,
) -> None:
    plans = {"a": {"plan": "pro"}, "b": {"plan": "pro"}}
    async with pool_app(tmp_path, plans) as pool:
        hit = await run_all(pool, ["sbx-captcha a cat"], accountFilter={"instanceId": "a"})
        await pool.until("a", lambda a: a.state is AccountState.QUARANTINED)
        shown = await pool.account("a")
        later = await run_all(pool, [f"a cat {n}" for n in range(4)])
        refused = await pool.imagine("x", accountFilter={"instanceId": "a"})
        enabled = await pool.admin("POST", "/a/enable")
        await pool.until("a", lambda a: a.state is AccountState.READY)
        back = await run_all(pool, ["back"], accountFilter={"instanceId": "a"})
    assert hit[0]["status"] == "FAILURE"
    assert "captcha" in hit[0]["failReason"]
    assert shown["state"] == "quarantined"
    assert "/captcha/" in shown["stateReason"]
    assert "http://127.0.0.1:" in shown["stateReason"]
    assert {t["properties"]["discordInstanceId"] for t in later} == {"b"}
    assert refused["code"] == 3
    assert enabled.status_code == 200
    assert back[0]["status"] == "SUCCESS"


async def test_a_blocked_account_is_disabled_and_gets_no_work(tmp_path: Path) -> None:
    async with pool_app(tmp_path, {"a": {"plan": "pro"}, "b": {"plan": "pro"}}) as pool:
        hit = await run_all(pool, ["sbx-blocked cat"], accountFilter={"instanceId": "a"})
        await pool.until("a", lambda a: a.state is AccountState.DISABLED)
        later = await run_all(pool, ["x", "y"])
        shown = await pool.account("a")
    assert hit[0]["status"] == "FAILURE"
    assert (shown["state"], shown["enable"]) == ("disabled", True)
    assert "Blocked" in shown["stateReason"]
    assert {t["properties"]["discordInstanceId"] for t in later} == {"b"}


async def test_used_up_fast_time_switches_the_account_to_relax(tmp_path: Path) -> None:
    plans = {"a": {"plan": "standard", "fast_time_h": 0.0}}
    async with pool_app(tmp_path, plans) as pool:
        spent = await run_all(pool, ["a cat"])
        await pool.until("a", lambda a: "switched to relax" in a.state_reason)
        fast = await pool.imagine("x", path="/mj-fast/mj")
        relaxed = await run_all(pool, ["a dog"])
        shown = await pool.account("a")
        jobs = pool.jobs_of("a")
    assert spent[0]["status"] == "FAILURE"
    assert "Credits exhausted" in spent[0]["failReason"]
    assert pool.members["a"].settings.mode == "relax"  # /relax reached Midjourney
    assert fast["code"] == 3
    assert (relaxed[0]["status"], relaxed[0]["mode"]) == ("SUCCESS", "RELAX")
    assert relaxed[0]["properties"]["finalPrompt"] == "a dog --relax"
    assert jobs[-1]["mode"] == "relax"
    assert shown["facts"]["fastExhausted"] is True


async def test_info_facts_appear_in_the_api(tmp_path: Path) -> None:
    plans = {"a": {"plan": "pro", "fast_time_h": 12.5, "remix": True}}
    async with pool_app(tmp_path, plans) as pool:
        synced = await pool.admin("POST", "/a/sync")
        # /info and /settings answer separately: wait for the facts of both.
        await pool.until("a", lambda a: a.facts.remix is True and a.facts.subscription is not None)
        listed = (await pool.app.client.get("/mj/account/list", headers={})).json()
    facts = listed[0]["facts"]
    assert synced.status_code == 200
    assert facts["subscription"].startswith("Pro")
    assert facts["fastTimeRemainingHours"] == pytest.approx(12.5, abs=0.05)
    assert facts["jobMode"] == "Fast"
    assert facts["remix"] is True
    assert listed[0]["remix"] is True


async def test_the_token_appears_in_no_response_log_or_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, level in LIBRARY_LOGGERS.items():  # as `mjproxy serve` configures them
        caplog.set_level(level, logger=name)
    bodies: list[str] = []
    async with pool_app(tmp_path, {"a": {"plan": "pro"}}) as pool:
        extra = pool.sandbox.add_account(plan="standard")
        tokens = [pool.members["a"].token, extra.token, "MTIz.not-a-real-token.abc"]
        new = {
            "id": "b",
            "engine": "sandbox",
            "channelId": extra.channel_id,
            "guildId": extra.guild_id,
            "userToken": extra.token,
        }
        for method, path, body in [
            ("POST", "", new),
            ("POST", "", new),  # taken id
            ("POST", "", {**new, "id": "c", "userToken": 42}),
            ("POST", "", {**new, "id": "d", "usertoken": tokens[2]}),  # a typo
            ("PATCH", "/b", {"weight": "heavy"}),
            ("GET", "", None),
            ("GET", "/b", None),
            ("POST", "/b/sync", None),
            ("POST", "/b/sync", None),  # too soon
            ("PATCH", "/b", {"userToken": tokens[2]}),  # Discord refuses it: 4004
        ]:
            bodies.append((await pool.admin(method, path, body)).text)
        await pool.until("b", lambda a: a.state is AccountState.DISABLED)
        task = (await run_all(pool, ["a cat"]))[0]
        for path in ("/mj/account/list", "/mj/account/b/fetch", f"/mj/task/{task['id']}/fetch"):
            bodies.append((await pool.app.client.get(path)).text)
        bodies.append((await pool.admin("GET", "/b")).text)
    ours = [r for r in caplog.records if not r.name.startswith("mjproxy.sandbox")]
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in ours)
    assert "4004" in bodies[-1]  # the refused token left a reason, not itself
    assert len(ours) > 50
    for token in tokens:
        assert token not in logged
        assert all(token not in body for body in bodies)


ONE_AT_A_TIME = {"plan": "pro", "account": {"limits": {"FAST": {"running": 1, "queued": 20}}}}


async def _trouble_on_a(pool: PoolApp, trouble: str) -> str:
    """Start a task on account a that (later) brings it into trouble; return the task id."""
    if trouble == "captcha":
        # The captcha answer is held back until the other tasks are waiting.
        pool.sandbox.faults.hold_events("INTERACTION_IFRAME_MODAL_CREATE")
        reply = await pool.imagine("sbx-captcha a cat", accountFilter={"instanceId": "a"})
    else:
        reply = await pool.imagine("a slow cat", accountFilter={"instanceId": "a"})
    assert reply["code"] == 1, reply
    return str(reply["result"])


async def _spring_the_trouble(pool: PoolApp, trouble: str, task_id: str) -> None:
    if trouble == "captcha":
        held = ["INTERACTION_IFRAME_MODAL_CREATE"]
        for _poll in range(600):  # the engine sends the interaction after submit returns
            if pool.sandbox.faults.held_events() == held:
                break
            await asyncio.sleep(0.05)
        assert pool.sandbox.faults.held_events() == held
        assert pool.sandbox.faults.release_events() == 1
        return
    await pool.app.wait_until(task_id, lambda t: t.progress > 0)
    session = pool.sandbox.sessions_of(pool.members["a"])[-1].session_id
    pool.sandbox.faults.close(session, 4004, "Authentication failed.")  # a fatal close


@pytest.mark.parametrize(
    ("trouble", "state"), [("captcha", "quarantined"), ("fatal_close", "disabled")]
)
async def test_tasks_waiting_when_an_account_falls_out_move_to_the_other(
    tmp_path: Path, trouble: str, state: str
) -> None:
    async with pool_app(tmp_path, {"a": ONE_AT_A_TIME, "b": ONE_AT_A_TIME}) as pool:
        pool.sandbox.config.timings.step_fast_s = 10.0  # ~0.7 s a job: b stays busy a while
        on_a = await _trouble_on_a(pool, trouble)
        on_b = await pool.imagine("a slow dog", accountFilter={"instanceId": "b"})
        waiting = [await pool.imagine(f"a bird {n}") for n in range(3)]
        await _spring_the_trouble(pool, trouble, on_a)
        await pool.until("a", lambda a: a.state.value == state)
        moved = await asyncio.gather(*(pool.finished(r["result"]) for r in waiting))
        first, other = await pool.finished(on_a), await pool.finished(on_b["result"])
        shown = await pool.account("a")
        jobs_on_a = pool.jobs_of("a")
    assert [r["code"] for r in waiting] == [22, 22, 22]  # both accounts were busy
    assert [r["properties"]["numberOfQueues"] for r in waiting] == [0, 1, 2]
    assert shown["state"] == state
    assert (first["status"], other["status"]) == ("FAILURE", "SUCCESS")
    assert [(t["status"], t["properties"]["discordInstanceId"]) for t in moved] == [
        ("SUCCESS", "b")
    ] * 3
    assert len(jobs_on_a) == (0 if trouble == "captcha" else 1)  # nothing more went to a


@pytest.mark.parametrize(
    ("rule", "one_by_one", "together"),
    [
        # Idle accounts tie on load: the heavier weight wins; busy ones lose to idle ones.
        ("least_loaded", ["a", "a", "a"], ["a", "b"]),
        ("round_robin", ["a", "b", "a"], ["b", "a"]),
    ],
    ids=["least_loaded", "round_robin"],
)
async def test_selection_rules_pick_as_documented(
    tmp_path: Path, rule: str, one_by_one: list[str], together: list[str]
) -> None:
    plans = {"a": {"plan": "pro", "account": {"weight": 5}}, "b": {"plan": "pro"}}
    async with pool_app(tmp_path, plans, scheduler={"selection": rule}) as pool:
        alone = [(await run_all(pool, [f"a cat {n}"]))[0] for n in range(3)]
        both = await run_all(pool, ["a dog", "a bird"])
    assert [t["properties"]["discordInstanceId"] for t in alone] == one_by_one
    assert [t["properties"]["discordInstanceId"] for t in both] == together


async def test_a_403_from_discord_disables_the_account_and_work_moves_on(tmp_path: Path) -> None:
    async with pool_app(tmp_path, {"a": {"plan": "pro"}, "b": {"plan": "pro"}}) as pool:
        pool.sandbox.faults.rest_error(
            "/interactions", status=403, code=50001, message="Missing Access"
        )
        hit = await run_all(pool, ["a cat"], accountFilter={"instanceId": "a"})
        await pool.until("a", lambda a: a.state is AccountState.DISABLED)
        later = await run_all(pool, ["x", "y"])
        shown = await pool.account("a")
        enabled = await pool.admin("POST", "/a/enable")
        await pool.until("a", lambda a: a.state is AccountState.READY)
        back = await run_all(pool, ["back"], accountFilter={"instanceId": "a"})
    assert hit[0]["status"] == "FAILURE"
    assert "Missing Access" in hit[0]["failReason"]
    assert (shown["state"], shown["enable"]) == ("disabled", True)
    assert "Missing Access" in shown["stateReason"]
    assert {t["properties"]["discordInstanceId"] for t in later} == {"b"}
    assert enabled.status_code == 200
    assert back[0]["status"] == "SUCCESS"  # an operator re-enabled it
