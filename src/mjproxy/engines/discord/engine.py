"""The Discord engine: the `Engine` the scheduler drives, one `AccountRuntime` per account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx

from mjproxy.domain.account import Account, AccountState
from mjproxy.domain.errors import EngineError
from mjproxy.domain.task import BotType, ImageInput, Mode, Task, TaskAction
from mjproxy.engines.base import AccountEvent, Engine, EngineFactory, EngineSinks, Job
from mjproxy.engines.discord.account import AccountRuntime
from mjproxy.engines.discord.interactions import NonceFactory
from mjproxy.engines.discord.settings import DiscordSettings

logger = logging.getLogger(__name__)

# What Midjourney through Discord can do; face swap and edits need other engines.
SUPPORTED_ACTIONS = frozenset(TaskAction) - {TaskAction.SWAP_FACE, TaskAction.EDITS}
_BOTS = frozenset({BotType.MID_JOURNEY, BotType.NIJI_JOURNEY})


class DiscordEngine:
    """Drives Midjourney and niji・journey through Discord user accounts."""

    def __init__(
        self, *, name: str = "discord", settings: DiscordSettings, sinks: EngineSinks
    ) -> None:
        self.name = name
        self._settings = settings
        self._sinks = sinks
        self._nonces = NonceFactory()
        # One TLS context for every account's REST client: each context holds its own copy
        # of the CA certificates, which made memory grow ~0.7 MiB per account.
        self._ssl_context = httpx.create_ssl_context()
        self._runtimes: dict[str, AccountRuntime] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def supports(self, action: TaskAction, account: Account) -> bool:
        return action in SUPPORTED_ACTIONS and bool(account.bots & _BOTS)

    async def open_account(self, account: Account) -> None:
        await self.close_account(account.id)
        if not account.user_token or not account.channel_id:
            await self._sinks.accounts(
                AccountEvent(
                    account_id=account.id,
                    state=AccountState.DISABLED,
                    reason="The account needs a user token and a channel id to connect to Discord.",
                )
            )
            return
        runtime = AccountRuntime(
            account=account,
            settings=self._settings,
            sinks=self._sinks,
            nonces=self._nonces,
            ssl_context=self._ssl_context,
        )
        self._runtimes[account.id] = runtime
        self._tasks[account.id] = asyncio.create_task(
            self._run(runtime), name=f"discord-{account.id}"
        )
        logger.info("%s account opened on engine %s", account.id, self.name)

    async def _run(self, runtime: AccountRuntime) -> None:
        try:
            await runtime.run()
        except Exception:
            logger.exception("%s account runtime crashed", runtime.account.id)
            await self._sinks.accounts(
                AccountEvent(
                    account_id=runtime.account.id,
                    state=AccountState.DISABLED,
                    reason="The Discord connection stopped after an internal error; "
                    "see the server log.",
                )
            )

    async def close_account(self, account_id: str) -> None:
        task = self._tasks.pop(account_id, None)
        self._runtimes.pop(account_id, None)
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        logger.info("%s account closed", account_id)

    async def aclose(self) -> None:
        for account_id in list(self._tasks):
            await self.close_account(account_id)

    def runtime(self, account_id: str) -> AccountRuntime:
        runtime = self._runtimes.get(account_id)
        if runtime is None:
            raise EngineError(f"The account {account_id} is not open on the {self.name} engine.")
        return runtime

    async def start(self, job: Job) -> None:
        await self.runtime(job.account.id).start(job)

    async def resume(self, job: Job) -> None:
        await self.runtime(job.account.id).resume(job)

    async def cancel(self, task: Task) -> None:
        if task.account_id is None or task.account_id not in self._runtimes:
            return
        await self._runtimes[task.account_id].cancel(task)

    async def upload_images(self, account: Account, images: Sequence[ImageInput]) -> list[str]:
        return await self.runtime(account.id).upload_images(images)

    async def fetch_seed(self, task: Task, account: Account) -> str:
        return await self.runtime(account.id).fetch_seed(task)

    async def sync_account(self, account: Account) -> None:
        await self.runtime(account.id).sync_info()

    async def set_mode(self, account: Account, mode: Mode) -> None:
        await self.runtime(account.id).set_mode(mode)


def discord_engine_factory(settings: DiscordSettings, *, name: str = "discord") -> EngineFactory:
    """An `EngineFactory` for `create_app(engines=...)`."""

    def build(sinks: EngineSinks) -> Engine:
        return DiscordEngine(name=name, settings=settings, sinks=sinks)

    return build
