"""What the REST handlers need, built once by the server and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from mjproxy.sandbox.accounts import Account
from mjproxy.sandbox.cdn import Cdn
from mjproxy.sandbox.commands import CommandRegistry
from mjproxy.sandbox.config import SandboxConfig
from mjproxy.sandbox.dispatch import Dispatcher
from mjproxy.sandbox.entities import StoredMessage
from mjproxy.sandbox.faults import RestFaults
from mjproxy.sandbox.interactions import Interaction, NonceLog
from mjproxy.sandbox.messages import ChannelMessages
from mjproxy.sandbox.ratelimit import RateLimiter
from mjproxy.sandbox.snowflakes import Ids
from mjproxy.sandbox.state import World
from mjproxy.sandbox.transcript import Transcript
from mjproxy.sandbox.uploads import UploadStore

ACCOUNT_KEY = web.RequestKey("sandbox.account", Account)


class BotPort(Protocol):
    """The simulated application, as Discord's REST layer hands it work."""

    def accept(self, interaction: Interaction) -> None: ...

    def react(self, account: Account, message: StoredMessage, emoji: str) -> None: ...


@dataclass(slots=True)
class RestDeps:
    world: World
    commands: CommandRegistry
    messages: ChannelMessages
    cdn: Cdn
    uploads: UploadStore
    dispatcher: Dispatcher
    ids: Ids
    nonces: NonceLog
    bot: BotPort
    transcript: Transcript
    faults: RestFaults
    limiter: RateLimiter
    config: SandboxConfig
    gateway_url: str = ""  # set once the server knows its port


def account_of(request: web.Request) -> Account:
    """The account the auth middleware resolved from the Authorization header."""
    return request[ACCOUNT_KEY]
