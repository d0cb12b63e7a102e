"""The gateway state machine against a scriptable raw websocket server (real sockets)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from mjproxy.domain.account import AccountState, Secret
from mjproxy.engines.discord.backoff import Backoff
from mjproxy.engines.discord.endpoints import DiscordEndpoints
from mjproxy.engines.discord.gateway import GatewayOptions
from mjproxy.engines.discord.identify import ClientProperties
from mjproxy.engines.discord.payloads import Ready
from mjproxy.engines.discord.supervisor import GatewaySupervisor
from tests.discord.fake_gateway import FakeGateway


class Recorder:
    def __init__(self) -> None:
        self.dispatches: list[tuple[str, Any]] = []
        self.health: list[tuple[AccountState, str]] = []
        self.readies: list[Ready | None] = []
        self._changed = asyncio.Condition()

    async def on_dispatch(self, name: str, data: Any) -> None:
        self.dispatches.append((name, data))
        await self._notify()

    async def on_ready(self, ready: Ready | None) -> None:
        self.readies.append(ready)
        await self._notify()

    async def on_health(self, state: AccountState, reason: str) -> None:
        self.health.append((state, reason))
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(predicate)


@asynccontextmanager
async def supervised(
    gateway: FakeGateway,
    *,
    token: str = "good-token",
    compress: bool = True,
    outage_grace_s: float = 10.0,
    backoff_base_s: float = 0.01,
) -> AsyncIterator[tuple[GatewaySupervisor, Recorder, asyncio.Task[None]]]:
    recorder = Recorder()
    supervisor = GatewaySupervisor(
        account_id="acc",
        token=Secret(token),
        user_agent="Mozilla/5.0 Chrome/120.0.0.0",
        endpoints=DiscordEndpoints(api="http://unused", gateway=gateway.url),
        options=GatewayOptions(
            compress=compress, ready_timeout_s=5, hello_timeout_s=5, outage_grace_s=outage_grace_s
        ),
        properties=ClientProperties(system_locale="en-GB"),
        on_dispatch=recorder.on_dispatch,
        on_ready=recorder.on_ready,
        on_health=recorder.on_health,
        backoff=Backoff(
            base_s=backoff_base_s, cap_s=max(0.05, backoff_base_s), rng=random.Random(1)
        ),
        rng=random.Random(2),
    )
    task = asyncio.create_task(supervisor.run())
    try:
        yield supervisor, recorder, task
    finally:
        if not task.done():
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as server:
        yield server


async def test_identifies_with_configured_properties_over_zlib_stream(gateway: FakeGateway) -> None:
    gateway.split_frames = True
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        identify = next(p for p in gateway.current.received if p["op"] == 2)["d"]
        assert identify["token"] == "good-token"
        assert identify["properties"]["system_locale"] == "en-GB"
        assert identify["properties"]["browser_version"] == "120.0.0.0"
        assert identify["capabilities"] == 16381
        assert gateway.current.compress
        assert supervisor.session.user_id == "4242"
        assert recorder.health[-1][0] is AccountState.READY


async def test_plain_text_frames_work_without_compression(gateway: FakeGateway) -> None:
    async with supervised(gateway, compress=False) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        assert not gateway.current.compress


async def test_heartbeats_carry_the_last_sequence(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.dispatch("MESSAGE_CREATE", {"id": "1"})
        await recorder.wait_for(lambda: len(recorder.dispatches) == 1)
        await gateway.wait_for(
            lambda: any(p["op"] == 1 and p["d"] == 2 for p in gateway.current.received)
        )


async def test_server_heartbeat_request_is_answered_at_once(gateway: FakeGateway) -> None:
    gateway.interval_ms = 60_000  # the client's own beats would come far too late
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.send_op(1)
        await gateway.wait_for(lambda: 1 in gateway.ops())


async def test_op7_resumes_at_resume_url_and_replays_missed_events(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        first_session = supervisor.session.session_id
        await gateway.send_op(7)
        await gateway.wait_for(lambda: len(gateway.connections) == 2 and 6 in gateway.ops())
        resume = next(p for p in gateway.current.received if p["op"] == 6)["d"]
        assert resume == {"token": "good-token", "session_id": first_session, "seq": 1}
        assert gateway.current.path == "/resume"
        await recorder.wait_for(lambda: len(recorder.readies) == 2)
        assert recorder.readies[-1] is None  # RESUMED, not a new READY


async def test_events_sent_while_disconnected_are_replayed_in_order(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        session = gateway.sessions[supervisor.session.session_id or ""]
        gateway.drop()
        # Events Discord produced while the client was away are buffered for resume.
        for index in range(3):
            session.seq += 1
            session.sent.append(
                {"op": 0, "d": {"id": str(index)}, "s": session.seq, "t": "MESSAGE_CREATE"}
            )
        await recorder.wait_for(lambda: len(recorder.dispatches) == 3)
        assert [d["id"] for _, d in recorder.dispatches] == ["0", "1", "2"]
        assert supervisor.session.seq == 5  # READY 1, three replays, RESUMED 5


async def test_missing_heartbeat_ack_closes_and_resumes(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        gateway.ack_heartbeats = False
        await gateway.wait_for(lambda: len(gateway.connections) == 2)
        gateway.ack_heartbeats = True
        await gateway.wait_for(lambda: 6 in gateway.ops())
        await recorder.wait_for(lambda: len(recorder.readies) == 2)
        assert supervisor.last_outcome is not None
        assert "ACK" in supervisor.last_outcome.reason


async def test_a_quick_reconnect_is_not_reported_as_an_outage(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        gateway.drop()
        await recorder.wait_for(lambda: len(recorder.readies) == 2)
        await gateway.close(4000)
        await recorder.wait_for(lambda: len(recorder.readies) == 3)
    assert recorder.health == [(AccountState.READY, "connected")]


async def test_the_gateways_own_reconnect_requests_skip_the_backoff(
    gateway: FakeGateway,
) -> None:
    # With a 100 s backoff base, only an immediate resume gets back within the deadline.
    async with supervised(gateway, backoff_base_s=100) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.send_op(7)
        await recorder.wait_for(lambda: len(recorder.readies) == 2, timeout_s=3)
        await gateway.send_op(9, True)
        await recorder.wait_for(lambda: len(recorder.readies) == 3, timeout_s=3)
    assert gateway.ops(1)[:1] == [6]  # resumed, not identified


async def test_an_outage_longer_than_the_grace_is_reported(gateway: FakeGateway) -> None:
    async with supervised(gateway, outage_grace_s=0.2) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        gateway.refuse_connections = True
        gateway.drop()
        await recorder.wait_for(lambda: len(recorder.health) >= 2)
        assert recorder.health[1][0] is AccountState.CONNECTING
        gateway.refuse_connections = False
        await recorder.wait_for(lambda: recorder.health[-1][0] is AccountState.READY)
    # Each failed attempt after the grace says why again (the pool keeps the newest reason).
    states = [state for state, _ in recorder.health]
    assert [s for i, s in enumerate(states) if i == 0 or s is not states[i - 1]] == [
        AccountState.READY,
        AccountState.CONNECTING,
        AccountState.READY,
    ]
    assert recorder.health[-1][1] == "resumed"


async def test_invalid_session_not_resumable_identifies_again(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        old = supervisor.session.session_id
        await gateway.send_op(9, False)
        await gateway.wait_for(lambda: len(gateway.connections) == 2 and 2 in gateway.ops())
        await recorder.wait_for(lambda: len(recorder.readies) == 2)
        assert supervisor.session.session_id != old
        assert 6 not in gateway.ops()


async def test_invalid_session_resumable_resumes(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.send_op(9, True)
        await gateway.wait_for(lambda: len(gateway.connections) == 2 and 6 in gateway.ops())


async def test_resumable_close_code_resumes(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.close(4000)
        await gateway.wait_for(lambda: len(gateway.connections) == 2 and 6 in gateway.ops())


async def test_session_timeout_close_identifies_again(gateway: FakeGateway) -> None:
    async with supervised(gateway) as (supervisor, recorder, _):
        await recorder.wait_for(lambda: supervisor.ready.is_set())
        await gateway.close(4009)
        await gateway.wait_for(lambda: len(gateway.connections) == 2 and 2 in gateway.ops())
        assert gateway.current.path == "/"


async def test_bad_token_disables_the_account_with_the_reason(gateway: FakeGateway) -> None:
    async with supervised(gateway, token="bad-secret-xyz") as (_, recorder, task):
        await asyncio.wait_for(asyncio.shield(task), timeout=10)
        state, reason = recorder.health[-1]
        assert state is AccountState.DISABLED
        assert "4004" in reason
        assert "bad-secret-xyz" not in reason
        assert len(gateway.connections) == 1


async def test_unreachable_gateway_keeps_retrying_with_backoff() -> None:
    async with FakeGateway() as server:
        url = server.url
    recorder = Recorder()
    supervisor = GatewaySupervisor(
        account_id="acc",
        token=Secret("t"),
        user_agent="ua",
        endpoints=DiscordEndpoints(gateway=url),
        options=GatewayOptions(connect_timeout_s=2),
        properties=ClientProperties(),
        on_dispatch=recorder.on_dispatch,
        on_ready=recorder.on_ready,
        on_health=recorder.on_health,
        backoff=Backoff(base_s=0.01, cap_s=0.02),
    )
    task = asyncio.create_task(supervisor.run())
    await recorder.wait_for(lambda: len(recorder.health) >= 3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(state is AccountState.CONNECTING for state, _ in recorder.health)
