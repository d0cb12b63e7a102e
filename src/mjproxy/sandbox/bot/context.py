"""The services every part of the bot uses, built once by the server and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from mjproxy.sandbox.bot.jobs import JobRegistry
from mjproxy.sandbox.bot.scheduler import PlanScheduler
from mjproxy.sandbox.cdn import Cdn
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.config import SandboxConfig, Switches, Timings
from mjproxy.sandbox.dispatch import Dispatcher
from mjproxy.sandbox.messages import ChannelMessages
from mjproxy.sandbox.snowflakes import Ids
from mjproxy.sandbox.state import World
from mjproxy.sandbox.tasks import BackgroundTasks
from mjproxy.sandbox.transcript import Transcript


@dataclass(slots=True)
class BotContext:
    world: World
    ids: Ids
    clock: Clock
    config: SandboxConfig
    messages: ChannelMessages
    dispatcher: Dispatcher
    cdn: Cdn
    tasks: BackgroundTasks
    transcript: Transcript
    jobs: JobRegistry
    scheduler: PlanScheduler

    @property
    def switches(self) -> Switches:
        return self.config.switches

    @property
    def timings(self) -> Timings:
        return self.config.timings
