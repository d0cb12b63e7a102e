"""Error embeds, plan limits and mid-job trouble, each from the raw wire."""

from __future__ import annotations

import pytest

from mjproxy.sandbox import JobStatus, Mode, Plan, Sandbox, Scenario

from .conftest import Client, ClientFactory
from .flows import grid_for
from .wire import Payload, find_button

RED = 16711680


async def notice_for(client: Client, nonce: str) -> Payload:
    """The embed message answering the interaction that used `nonce`."""
    return await client.gateway.event(
        "MESSAGE_CREATE", lambda d: d.get("nonce") == nonce and bool(d.get("embeds"))
    )


def started(client: Client, nonce: str) -> bool:
    return any(
        p["d"].get("nonce") == nonce and "(Waiting to start)" in p["d"]["content"]
        for p in client.gateway.events("MESSAGE_CREATE")
    )


@pytest.mark.parametrize(
    ("prompt", "title", "detail"),
    [
        ("a sbx-banned cat", "Banned prompt detected", "sbx-banned"),
        ("a cat --foo bar", "Invalid parameter", "--foo bar"),
        ("a cat --ar 0:3", "Invalid parameter", "--ar 0:3"),
        ("a cat sbx-output-filter", "Request cancelled due to output filters", None),
        ("a cat sbx-queue-full", "Queue full", None),
    ],
)
async def test_prompt_errors(client: Client, prompt: str, title: str, detail: str | None) -> None:
    nonce = await client.imagine(prompt)
    notice = await notice_for(client, nonce)
    embed = notice["embeds"][0]
    assert embed["title"] == title
    assert embed["color"] == RED
    assert notice["type"] == 20
    assert notice["interaction"]["name"] == "imagine"
    if detail is not None:
        assert detail in embed["description"]
    await client.gateway.event("INTERACTION_SUCCESS", lambda d: d["nonce"] == nonce)
    assert not started(client, nonce)


@pytest.mark.parametrize(
    ("change", "title"),
    [
        ({"fast_time_s": 0.0}, "Credits exhausted"),
        ({"plan": Plan.NONE}, "Subscription required"),
        ({"blocked": True}, "Blocked"),
    ],
)
async def test_account_errors(client: Client, change: dict[str, object], title: str) -> None:
    account = client.account
    for key, value in change.items():
        target = account.flags if key == "blocked" else account
        setattr(target, key, value)
    notice = await notice_for(client, await client.imagine("a cat"))
    assert notice["embeds"][0]["title"] == title


async def test_relax_still_works_without_fast_time(client: Client) -> None:
    client.account.fast_time_s = 0.0
    result = await client.result_of(await client.imagine("a cat --relax"))
    assert result["content"].endswith("(relaxed)")


async def test_fast_time_is_used_up_by_jobs(client: Client) -> None:
    before = client.account.fast_time_s
    await client.result_of(await client.imagine("a cat"))
    assert client.account.fast_time_s == before - 60


async def test_ephemeral_errors_switch(sandbox: Sandbox, client: Client) -> None:
    sandbox.switches.ephemeral_errors = True
    notice = await notice_for(client, await client.imagine("sbx-banned"))
    assert notice["flags"] == 64


async def test_failed_to_process(client: Client) -> None:
    nonce = await client.imagine("a cat sbx-fail")
    reply = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    assert reply["content"].startswith("Failed")


async def test_interaction_timeout_is_a_failure_without_messages(client: Client) -> None:
    nonce = await client.imagine("a cat sbx-timeout")
    failure = await client.gateway.event("INTERACTION_FAILURE", lambda d: d["nonce"] == nonce)
    assert failure["reason_code"] == 2
    assert not [p for p in client.gateway.events("MESSAGE_CREATE") if p["d"].get("nonce") == nonce]


async def test_captcha_iframe(client: Client) -> None:
    client.account.flags.captcha = True
    nonce = await client.imagine("a cat")
    iframe = await client.gateway.event(
        "INTERACTION_IFRAME_MODAL_CREATE", lambda d: d["nonce"] == nonce
    )
    assert iframe["title"] == "Action required to continue"
    assert iframe["iframe_path"].startswith("/captcha/embedded/")


async def test_pending_mod_message_holds_the_job_until_acknowledged(client: Client) -> None:
    client.account.flags.pending_mod = True
    nonce = await client.imagine("a calm sea")
    notice = await notice_for(client, nonce)
    assert notice["embeds"][0]["title"] == "Pending mod message"
    await client.click(notice, find_button(notice, "Acknowledge"))
    await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == notice["id"])
    result = await client.result_of(nonce)
    assert result["content"].startswith("**a calm sea**")
    assert not client.account.flags.pending_mod


async def test_action_needed_wants_the_right_answer(client: Client) -> None:
    nonce = await client.imagine("a cat sbx-action-needed")
    notice = await notice_for(client, nonce)
    embed = notice["embeds"][0]
    assert embed["title"] == "Action needed to continue"
    assert "verify you're human" in embed["description"]
    answer = embed["description"].split("**")[1]
    labels = [b["label"] for b in notice["components"][0]["components"]]
    wrong = next(label for label in labels if label != answer)
    await client.click(notice, find_button(notice, wrong))
    retry = await client.gateway.event("MESSAGE_UPDATE", lambda d: d["id"] == notice["id"])
    assert retry["embeds"][0]["description"].startswith("That was not right")
    await client.click(notice, find_button(notice, answer))
    await client.result_of(nonce)


async def test_stopped_mid_job(sandbox: Sandbox, client: Client) -> None:
    nonce = await client.imagine("a cat sbx-stop")
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    stopped = await client.gateway.event(
        "MESSAGE_UPDATE", lambda d: d["id"] == start["id"] and d["content"].endswith("(Stopped)")
    )
    assert "%" not in stopped["content"]
    await sandbox.wait_for_job(status=JobStatus.STOPPED)
    await client.result_of(await client.imagine("a dog"))  # later events come after its end
    assert not [p for p in client.gateway.events("MESSAGE_DELETE") if p["d"]["id"] == start["id"]]


async def test_moderation_deletes_the_progress_message(sandbox: Sandbox, client: Client) -> None:
    nonce = await client.imagine("a cat sbx-moderate")
    start = await client.gateway.event("MESSAGE_CREATE", lambda d: d.get("nonce") == nonce)
    await client.gateway.event("MESSAGE_DELETE", lambda d: d["id"] == start["id"])
    job = await sandbox.wait_for_job(status=JobStatus.FAILED)
    assert job.result_message is None


async def test_armed_scenario_hits_only_the_next_command(sandbox: Sandbox, client: Client) -> None:
    sandbox.arm(client.account, Scenario.BLOCKED)
    notice = await notice_for(client, await client.imagine("a cat"))
    assert notice["embeds"][0]["title"] == "Blocked"
    await client.result_of(await client.imagine("a cat"))


async def fill_slots(sandbox: Sandbox, client: Client, count: int) -> list[str]:
    """Start `count` fast jobs that will not finish on their own."""
    sandbox.config.timings.step_fast_s = 10_000.0
    nonces = [await client.imagine(f"job {i}") for i in range(count)]
    for nonce in nonces:
        await client.gateway.event("MESSAGE_CREATE", lambda d, n=nonce: d.get("nonce") == n)
    return nonces


@pytest.mark.parametrize(("plan", "slots"), [(Plan.STANDARD, 3), (Plan.PRO, 12)])
async def test_plan_concurrency_then_job_queued(
    sandbox: Sandbox, connect: ClientFactory, plan: Plan, slots: int
) -> None:
    client = await connect(sandbox.add_account(plan=plan))
    nonces = await fill_slots(sandbox, client, slots)
    assert all(started(client, n) for n in nonces)
    queued_nonce = await client.imagine("one too many")
    notice = await notice_for(client, queued_nonce)
    assert notice["embeds"][0]["title"] == "Job queued"
    assert not started(client, queued_nonce)
    first = sandbox.jobs.of_user(client.account.user_id)[0]
    sandbox.stop_job(first.uuid)  # a slot frees: the queued job starts
    start = await client.gateway.event(
        "MESSAGE_CREATE",
        lambda d: d.get("nonce") == queued_nonce and "(Waiting to start)" in d["content"],
    )
    assert start["content"].startswith("**one too many**")


async def test_queue_full(sandbox: Sandbox, client: Client) -> None:
    sandbox.scheduler.queue_depth = 1
    await fill_slots(sandbox, client, 3)
    assert (await notice_for(client, await client.imagine("waits")))["embeds"][0]["title"] == (
        "Job queued"
    )
    notice = await notice_for(client, await client.imagine("refused"))
    assert notice["embeds"][0]["title"] == "Queue full"


async def test_relax_jobs_have_their_own_slots(sandbox: Sandbox, client: Client) -> None:
    await fill_slots(sandbox, client, 3)
    client.account.settings.mode = Mode.RELAX
    result = await client.result_of(await client.imagine("relaxed while fast is full"))
    assert result["content"].endswith("(relaxed)")


async def test_u_buttons_need_no_slot(sandbox: Sandbox, client: Client) -> None:
    grid = await grid_for(client, "a grid")
    await fill_slots(sandbox, client, 3)
    mark = len(client.gateway.received)
    await client.click(grid, find_button(grid, "U1"))
    single = await client.gateway.event(
        "MESSAGE_CREATE", lambda d: "Image #1" in d["content"], since=mark
    )
    assert single["attachments"]
