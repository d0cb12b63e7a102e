"""`mjproxy sandbox`: run the simulator standalone and print what a client needs to know."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import Annotated

import typer

from mjproxy.sandbox.accounts import Plan
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.identities import MIDJOURNEY_APP_ID, NIJI_APP_ID
from mjproxy.sandbox.server import Sandbox


def sandbox_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
    accounts: Annotated[int, typer.Option(min=1, max=5000, help="Accounts to create.")] = 1,
    speed: Annotated[
        float, typer.Option(help="Speed factor: 1 is real-like timing, 100 is 100× faster.")
    ] = 1.0,
    plan: Annotated[str, typer.Option(help="Plan of every account: basic/standard/pro/mega.")] = (
        "standard"
    ),
    job_time_s: Annotated[
        float | None,
        typer.Option(help="Fixed real seconds from a job's start to its result, any speed."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for job ids, seeds and pictures.")] = 0,
    tile_px: Annotated[int, typer.Option(help="Long side of one grid image, in pixels.")] = 1024,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    heartbeat_interval_ms: Annotated[
        int, typer.Option(help="Heartbeat interval sent in HELLO (Discord's is 41250).")
    ] = 41_250,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON line instead of the table.")
    ] = False,
    verbose: Annotated[bool, typer.Option(help="Log gateway sessions and jobs.")] = False,
) -> None:
    """Run the Discord + Midjourney simulator until Ctrl+C."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = SandboxConfig(
            host=host,
            port=port,
            speed=speed,
            seed=seed,
            tile_px=tile_px,
            heartbeat_interval_ms=heartbeat_interval_ms,
            job_time_s=job_time_s,
        )
        config.validate()
        chosen_plan = Plan(plan)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    asyncio.run(_serve(config, accounts=accounts, plan=chosen_plan, as_json=as_json))


async def _serve(config: SandboxConfig, *, accounts: int, plan: Plan, as_json: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Sandbox(config) as sandbox:
        for _ in range(accounts):
            sandbox.add_account(plan=plan)
        typer.echo(json.dumps(describe(sandbox)) if as_json else render(sandbox))
        await stop.wait()


def describe(sandbox: Sandbox) -> dict[str, object]:
    return {
        "urls": {
            "api": sandbox.api_base_url,
            "gateway": sandbox.gateway_url,
            "resume_gateway": sandbox.resume_gateway_url,
            "cdn": sandbox.cdn_base_url,
            "upload": sandbox.upload_base_url,
            "inpaint_submit": sandbox.inpaint_submit_url(),
            "control": sandbox.control_url,
        },
        "speed": sandbox.clock.speed,
        "accounts": [a.summary() for a in sandbox.accounts],
    }


def render(sandbox: Sandbox) -> str:
    lines = [
        f"mjproxy sandbox: a simulated Discord + Midjourney (speed ×{sandbox.clock.speed:g})",
        "",
        f"  REST API base    {sandbox.api_base_url}",
        f"  Gateway          {sandbox.gateway_url}",
        f"  Resume gateway   {sandbox.resume_gateway_url}",
        f"  CDN              {sandbox.cdn_base_url}",
        f"  Upload host      {sandbox.upload_base_url}",
        f"  Vary Region      {sandbox.inpaint_submit_url()}",
        f"  Control API      {sandbox.control_url}",
    ]
    for number, account in enumerate(sandbox.accounts, start=1):
        lines += [
            "",
            f"Account {number} ({account.plan.value})",
            f"  token            {account.token}",
            f"  user id          {account.user_id}",
            f"  guild id         {account.guild_id}",
            f"  channel id       {account.channel_id}",
            f"  DM (Midjourney)  {account.dm_channel_ids[MIDJOURNEY_APP_ID]}",
            f"  DM (niji)        {account.dm_channel_ids[NIJI_APP_ID]}",
        ]
    lines += ["", "Press Ctrl+C to stop."]
    return "\n".join(lines)
