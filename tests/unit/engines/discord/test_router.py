"""Correlating gateway events to tasks: keys, orderings, identical prompts, restarts."""

from __future__ import annotations

from typing import Any

from mjproxy.domain.task import Task, TaskAction, TaskStatus
from mjproxy.engines.discord.events import GatewayEvent
from mjproxy.engines.discord.messages import parse_dispatch
from mjproxy.engines.discord.router import MessageRouter
from mjproxy.engines.discord.tracking import Reaction, TrackedTask

USER = "1127612768489578560"
HASH_A = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
HASH_B = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"


def event(name: str, **data: Any) -> GatewayEvent:
    parsed = parse_dispatch(name, {"channel_id": "10", **data})
    assert parsed is not None
    return parsed


def start(mid: str, nonce: str, iid: str, prompt: str = "cat") -> GatewayEvent:
    return event(
        "MESSAGE_CREATE",
        id=mid,
        nonce=nonce,
        content=f"**{prompt}** - <@{USER}> (Waiting to start)",
        interaction_metadata={"id": iid, "name": "imagine", "user": {"id": USER}},
    )


def progress(mid: str, job_hash: str, percent: int, prompt: str = "cat") -> GatewayEvent:
    return event(
        "MESSAGE_UPDATE",
        id=mid,
        content=f"**{prompt}** - <@{USER}> ({percent}%) (fast)",
        attachments=[{"url": f"https://cdn/a/10/1/{job_hash}_grid_0.webp"}],
    )


def result(
    mid: str, job_hash: str, iid: str | None = None, prompt: str = "cat", **extra: Any
) -> GatewayEvent:
    data: dict[str, Any] = {
        "id": mid,
        "content": f"**{prompt}** - <@{USER}> (fast)",
        "attachments": [{"url": f"https://cdn/a/10/2/bob_cat_{job_hash}.png"}],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "custom_id": f"MJ::JOB::upsample::1::{job_hash}", "label": "U1"}
                ],
            }
        ],
        **extra,
    }
    if iid:
        data["interaction_metadata"] = {"id": iid, "type": 2, "user": {"id": USER}}
    return event("MESSAGE_CREATE", **data)


class Harness:
    def __init__(self) -> None:
        self.router = MessageRouter()
        self.router.user_id = USER
        self.status: dict[str, TaskStatus] = {}
        self.images: dict[str, str | None] = {}
        self.reactions: list[Reaction] = []

    def track(
        self, task_id: str, nonce: str, *, action: TaskAction = TaskAction.IMAGINE, **kw: Any
    ) -> TrackedTask:
        tracked = TrackedTask(task_id=task_id, action=action, channel_id="10", nonces=[nonce], **kw)
        self.router.track(tracked)
        return tracked

    def feed(self, *events: GatewayEvent) -> None:
        for item in events:
            tracked = self.router.route(item)
            if tracked is None:
                self.router.park(item)  # type: ignore[arg-type]
                continue
            self._apply(tracked, item)
            for again, parked in self.router.unpark():
                self._apply(again, parked)

    def _apply(self, tracked: TrackedTask, item: GatewayEvent) -> None:
        reaction = tracked.handle(item)
        self.router.index(tracked)
        self.reactions.append(reaction)
        for update in reaction.updates:
            if update.status is not None:
                self.status[update.task_id] = update.status
            if update.image_url is not None:
                self.images[update.task_id] = update.image_url
        if reaction.done:
            self.router.forget(tracked.task_id)


def test_imagine_flow_reaches_success_with_result_image() -> None:
    h = Harness()
    h.track("t1", "n1", prompt="cat")
    h.feed(
        event("INTERACTION_CREATE", id="i1", nonce="n1"),
        start("p1", "n1", "i1"),
        event("INTERACTION_SUCCESS", id="i1", nonce="n1"),
        progress("p1", HASH_A, 31),
    )
    assert h.status == {"t1": TaskStatus.IN_PROGRESS}
    assert h.images == {"t1": f"https://cdn/a/10/1/{HASH_A}_grid_0.webp"}
    h.feed(result("r1", HASH_A, "i1"), event("MESSAGE_DELETE", id="p1"))
    assert h.status == {"t1": TaskStatus.SUCCESS}
    assert h.images == {"t1": f"https://cdn/a/10/2/bob_cat_{HASH_A}.png"}
    assert len(h.router) == 0


def test_success_before_first_message_changes_nothing() -> None:
    h = Harness()
    h.track("t1", "n1", prompt="cat")
    h.feed(event("INTERACTION_SUCCESS", id="i1", nonce="n1"), start("p1", "n1", "i1"))
    h.feed(result("r1", HASH_A, "i1"))
    assert h.status["t1"] is TaskStatus.SUCCESS


def test_two_identical_prompts_land_on_their_own_tasks_by_interaction_id() -> None:
    h = Harness()
    h.track("a", "na", prompt="cat")
    h.track("b", "nb", prompt="cat")
    h.feed(start("pa", "na", "ia"), start("pb", "nb", "ib"))
    h.feed(result("rb", HASH_B, "ib"))
    assert h.status == {"a": TaskStatus.IN_PROGRESS, "b": TaskStatus.SUCCESS}
    assert h.images["b"].endswith(f"{HASH_B}.png")  # type: ignore[union-attr]
    h.feed(result("ra", HASH_A, "ia"))
    assert h.images["a"].endswith(f"{HASH_A}.png")  # type: ignore[union-attr]


def test_two_identical_prompts_without_interaction_metadata_use_progress_hashes() -> None:
    h = Harness()
    h.track("a", "na", prompt="cat")
    h.track("b", "nb", prompt="cat")
    h.feed(
        event(
            "MESSAGE_CREATE", id="pa", nonce="na", content=f"**cat** - <@{USER}> (Waiting to start)"
        ),
        event(
            "MESSAGE_CREATE", id="pb", nonce="nb", content=f"**cat** - <@{USER}> (Waiting to start)"
        ),
        progress("pa", HASH_A, 15),
        progress("pb", HASH_B, 15),
    )
    h.feed(result("rb", HASH_B), result("ra", HASH_A))
    assert h.images == {
        "a": f"https://cdn/a/10/2/bob_cat_{HASH_A}.png",
        "b": f"https://cdn/a/10/2/bob_cat_{HASH_B}.png",
    }


def test_upscale_result_found_by_reply_reference_and_index() -> None:
    h = Harness()
    h.track("u1", "n1", action=TaskAction.UPSCALE, index=1, parent_message_id="grid", prompt="cat")
    h.track("u3", "n3", action=TaskAction.UPSCALE, index=3, parent_message_id="grid", prompt="cat")
    h.feed(
        event(
            "MESSAGE_CREATE",
            id="x3",
            content=f"**cat** - Image #3 <@{USER}>",
            attachments=[{"url": f"https://cdn/a/10/9/bob_cat_{HASH_B}.png"}],
            message_reference={"message_id": "grid"},
        )
    )
    assert h.status == {"u3": TaskStatus.SUCCESS}


def test_prompt_is_the_last_resort_and_picks_the_oldest() -> None:
    h = Harness()
    h.track("old", "n1", prompt="a dog --ar 1:1")
    h.track("new", "n2", prompt="a dog --ar 1:1")
    h.feed(result("r", HASH_A, prompt="a dog --ar 1:1 --v 6.1"))
    assert h.status == {"old": TaskStatus.SUCCESS}


def test_result_for_someone_else_is_ignored() -> None:
    h = Harness()
    h.track("t", "n", prompt="cat")
    h.feed(
        event(
            "MESSAGE_CREATE",
            id="r",
            content="**cat** - <@999> (fast)",
            attachments=[{"url": f"https://cdn/a/1/2/x_{HASH_A}.png"}],
        )
    )
    assert h.status == {}


def test_modal_result_parked_until_submit_interaction_is_known() -> None:
    h = Harness()
    tracked = h.track(
        "v", "click", action=TaskAction.VARIATION, parent_message_id="grid", prompt="cat"
    )
    h.feed(
        event(
            "INTERACTION_MODAL_CREATE",
            id="i-click",
            nonce="click",
            custom_id="MJ::RemixModal::x::1::1",
        )
    )
    assert h.reactions[-1].modal is not None
    tracked.nonces.append("submit")
    h.router.index(tracked)
    late = result(
        "r", HASH_A, "i-submit", prompt="new cat", message_reference={"message_id": "grid"}
    )
    h.feed(late)
    assert h.status == {}
    h.feed(event("INTERACTION_CREATE", id="i-submit", nonce="submit"))
    assert h.status == {"v": TaskStatus.SUCCESS}


def test_error_embed_by_nonce_and_by_reply_to_progress_message() -> None:
    h = Harness()
    h.track("a", "na", prompt="cat")
    h.track("b", "nb", prompt="dog")
    h.feed(
        event(
            "MESSAGE_CREATE",
            id="e1",
            nonce="na",
            embeds=[{"title": "Banned prompt detected", "description": "No.", "color": 16711680}],
        )
    )
    h.feed(start("pb", "nb", "ib", prompt="dog"))
    h.feed(
        event(
            "MESSAGE_CREATE",
            id="e2",
            embeds=[{"title": "Invalid parameter", "description": "Bad.", "color": 16711680}],
            message_reference={"message_id": "pb"},
        )
    )
    assert h.status == {"a": TaskStatus.FAILURE, "b": TaskStatus.FAILURE}
    reasons = [u.fail_reason for r in h.reactions for u in r.updates if u.fail_reason]
    assert reasons == ["[Banned prompt detected] No.", "[Invalid parameter] Bad."]


def test_interaction_failure_before_any_message_fails_the_task() -> None:
    h = Harness()
    h.track("t", "n", prompt="cat")
    h.feed(event("INTERACTION_FAILURE", id="i", nonce="n", reason_code=2))
    assert h.status == {"t": TaskStatus.FAILURE}


def test_tracking_survives_a_restart_through_engine_state() -> None:
    h = Harness()
    tracked = h.track("t", "n", prompt="cat")
    h.feed(start("p", "n", "i"), progress("p", HASH_A, 46))
    task = Task(
        id="t", action=TaskAction.IMAGINE, submit_time_ms=1, engine_state=tracked.to_state()
    )
    fresh = Harness()
    fresh.router.track(TrackedTask.from_task(task))
    fresh.feed(result("r", HASH_A))
    assert fresh.status == {"t": TaskStatus.SUCCESS}
