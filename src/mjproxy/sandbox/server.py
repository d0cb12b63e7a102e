"""The sandbox: one aiohttp server on 127.0.0.1 serving gateway, REST, CDN, uploads and control.

    async with Sandbox(SandboxConfig(speed=1000)) as sandbox:
        account = sandbox.add_account(plan="pro")
        ...  # point a client at sandbox.api_base_url / sandbox.gateway_url

Everything a test needs is reachable from here: the world (accounts, messages), the fault
injector, the switches, the transcript, and helpers that await sessions and jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from aiohttp import web

from mjproxy.sandbox.accounts import Account, Mode, Plan
from mjproxy.sandbox.bot.bot import MidjourneyBot
from mjproxy.sandbox.bot.checks import Scenario
from mjproxy.sandbox.bot.context import BotContext
from mjproxy.sandbox.bot.jobs import Job, JobRegistry, JobStatus
from mjproxy.sandbox.bot.scheduler import PlanScheduler
from mjproxy.sandbox.cdn import Cdn
from mjproxy.sandbox.clock import Clock
from mjproxy.sandbox.commands import CommandRegistry
from mjproxy.sandbox.config import SandboxConfig, Switches
from mjproxy.sandbox.control import add_control_routes
from mjproxy.sandbox.dispatch import Dispatcher
from mjproxy.sandbox.faults import EventFaults, FaultInjector, RestFaults
from mjproxy.sandbox.gateway import Gateway
from mjproxy.sandbox.identities import MIDJOURNEY_APP_ID
from mjproxy.sandbox.iframe import IframeRoutes
from mjproxy.sandbox.interactions import NonceLog
from mjproxy.sandbox.messages import ChannelMessages
from mjproxy.sandbox.ratelimit import RateLimiter
from mjproxy.sandbox.rest.deps import RestDeps
from mjproxy.sandbox.rest.middleware import api_middleware, transcript_middleware
from mjproxy.sandbox.rest.routes import add_rest_routes
from mjproxy.sandbox.sessions import GatewaySession, SessionRegistry
from mjproxy.sandbox.snowflakes import Ids
from mjproxy.sandbox.state import AccountRequest, World
from mjproxy.sandbox.tasks import BackgroundTasks
from mjproxy.sandbox.transcript import Entry, EntryKind, Transcript
from mjproxy.sandbox.uploads import UploadStore

logger = logging.getLogger(__name__)

RESUME_PATH = "/resume"


class Sandbox:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.config.validate()
        self.clock = Clock(self.config.speed)
        self.ids = Ids(self.config.seed)
        self.transcript = Transcript(self.config.transcript_limit)
        self.world = World(self.ids)
        self.tasks = BackgroundTasks()
        self.sessions = SessionRegistry(self.ids, buffer_size=self.config.replay_buffer_size)
        self.commands = CommandRegistry(self.ids)
        self.cdn = Cdn(
            ids=self.ids,
            link_ttl_s=self.config.cdn_link_ttl_s,
            max_bytes=self.config.cdn_max_bytes,
        )
        self.uploads = UploadStore(
            world=self.world, ids=self.ids, max_bytes=self.config.max_upload_bytes
        )
        events, rest = EventFaults(), RestFaults()
        self.dispatcher = Dispatcher(
            world=self.world,
            sessions=self.sessions,
            faults=events,
            tasks=self.tasks,
            transcript=self.transcript,
        )
        self.messages = ChannelMessages(world=self.world, dispatcher=self.dispatcher)
        self.gateway = Gateway(
            world=self.world,
            sessions=self.sessions,
            transcript=self.transcript,
            config=self.config,
            tasks=self.tasks,
        )
        self.jobs = JobRegistry(self.transcript)
        self.scheduler = PlanScheduler(queue_depth=self.config.queue_depth)
        self.bot = MidjourneyBot(self._bot_context())
        self.faults = FaultInjector(
            gateway=self.gateway, dispatcher=self.dispatcher, events=events, rest=rest
        )
        self._rest = self._rest_deps(rest)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _bot_context(self) -> BotContext:
        return BotContext(
            world=self.world,
            ids=self.ids,
            clock=self.clock,
            config=self.config,
            messages=self.messages,
            dispatcher=self.dispatcher,
            cdn=self.cdn,
            tasks=self.tasks,
            transcript=self.transcript,
            jobs=self.jobs,
            scheduler=self.scheduler,
        )

    def _rest_deps(self, faults: RestFaults) -> RestDeps:
        limiter = RateLimiter(
            limit=self.config.rate_limit, window_s=self.config.rate_limit_window_s
        )
        return RestDeps(
            world=self.world,
            commands=self.commands,
            messages=self.messages,
            cdn=self.cdn,
            uploads=self.uploads,
            dispatcher=self.dispatcher,
            ids=self.ids,
            nonces=NonceLog(),
            bot=self.bot,
            transcript=self.transcript,
            faults=faults,
            limiter=limiter,
            config=self.config,
        )

    # -- lifecycle ---------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[transcript_middleware(self.transcript), api_middleware(self._rest)],
            client_max_size=self.config.max_upload_bytes + (1 << 20),
        )
        for path in ("/", RESUME_PATH, RESUME_PATH + "/"):
            app.router.add_get(path, self.gateway.handle)
        add_rest_routes(app, self._rest)
        for root in ("attachments", "ephemeral-attachments"):
            app.router.add_get(f"/{root}/{{tail:.+}}", self.cdn.handle)
        app.router.add_put("/upload/{uuid}/{filename}", self.uploads.handle_put)
        iframe = IframeRoutes(self.bot)
        app.router.add_post("/inpaint/api/submit-job", iframe.submit_job)
        app.router.add_post("/discordsays/{app_id}/inpaint/api/submit-job", iframe.submit_job)
        add_control_routes(app, self)
        return app

    async def start(self) -> None:
        """Bind the server (port 0 picks a free one) and fill in every base URL."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self._build_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])
        self.gateway.resume_url = self.resume_gateway_url
        self.cdn.base_url = self.base_url
        self.uploads.base_url = self.upload_base_url
        self._rest.gateway_url = self.gateway_url
        logger.info("sandbox listening on %s", self.base_url)

    async def aclose(self) -> None:
        """Close every socket, stop every bot flow, and release the port."""
        if self._runner is None:
            return
        await self.gateway.aclose()
        await self.tasks.aclose()
        await self._runner.cleanup()
        self._runner = None
        logger.info("sandbox stopped (%d transcript entries)", self.transcript.next_index)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- where things are --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/api/v9"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}"

    @property
    def resume_gateway_url(self) -> str:
        return f"{self.gateway_url}{RESUME_PATH}"

    @property
    def cdn_base_url(self) -> str:
        return self.base_url

    @property
    def upload_base_url(self) -> str:
        return f"{self.base_url}/upload"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_sandbox"

    @property
    def iframe_url_template(self) -> str:
        """The Vary (Region) host with an `{application_id}` placeholder, as clients set it."""
        return f"{self.base_url}/discordsays/{{application_id}}"

    def inpaint_submit_url(self, application_id: str = MIDJOURNEY_APP_ID) -> str:
        """Where the Vary (Region) editor posts (stands in for `<app id>.discordsays.com`)."""
        return f"{self.base_url}/discordsays/{application_id}/inpaint/api/submit-job"

    # -- accounts and knobs -------------------------------------------------------------------
    def add_account(
        self,
        *,
        token: str | None = None,
        username: str | None = None,
        plan: Plan | str = Plan.STANDARD,
        mode: Mode | str = Mode.FAST,
        remix: bool = False,
        high_variation: bool = True,
        version: str = "7",
        fast_time_h: float | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
    ) -> Account:
        """Create a subscriber with a guild channel and DMs with both bots; ids are generated."""
        request = AccountRequest(
            token=token,
            username=username,
            plan=Plan(plan),
            mode=Mode(mode),
            remix=remix,
            high_variation=high_variation,
            version=version,
            fast_time_h=fast_time_h,
            guild_id=guild_id,
            channel_id=channel_id,
        )
        return self.world.add_account(request)

    @property
    def accounts(self) -> list[Account]:
        return list(self.world.accounts.values())

    def account(self, key: str) -> Account:
        """An account by user id or token; raises LookupError."""
        account = self.world.find_account(key)
        if account is None:
            raise LookupError(f"No sandbox account has the user id or token {key[:6]!r}….")
        return account

    def arm(self, account: Account, scenario: Scenario | str, count: int = 1) -> None:
        """Make the account's next `count` job commands run into `scenario` (see checks.py)."""
        account.arm(Scenario(scenario).value, count)

    @property
    def switches(self) -> Switches:
        return self.config.switches

    def set_speed(self, speed: float) -> None:
        self.clock.speed = speed
        self.config.speed = speed

    def stop_job(self, uuid: str) -> None:
        """Stop a running job at its next progress step: its message ends "(Stopped)"."""
        job = self.jobs.get(uuid)
        if job is None:
            raise LookupError(f"No job has the uuid {uuid!r}.")
        job.cancelled.set()

    def rotate_commands(self, name: str | None = None) -> None:
        """Give commands (all, or one by name) new versions; old versions then get 50035."""
        self.commands.rotate(name)

    # -- awaiting things ----------------------------------------------------------------------
    def sessions_of(self, account: Account) -> list[GatewaySession]:
        return self.sessions.for_user(account.user_id)

    async def wait_for(
        self, predicate: Callable[[Entry], bool], *, since: int = 0, timeout_s: float = 10.0
    ) -> Entry:
        return await self.transcript.wait_for(predicate, since=since, timeout_s=timeout_s)

    async def wait_for_session(
        self, account: Account | None = None, *, since: int = 0, timeout_s: float = 10.0
    ) -> GatewaySession:
        """The session of the next READY sent (to `account`'s user, if given)."""

        def is_ready(entry: Entry) -> bool:
            if entry.kind != EntryKind.WS_SEND or entry.event != "READY":
                return False
            return account is None or entry.payload["d"]["user"]["id"] == account.user_id

        entry = await self.wait_for(is_ready, since=since, timeout_s=timeout_s)
        session = self.sessions.get(entry.payload["d"]["session_id"])
        if session is None:
            raise LookupError("The session that became ready has already ended.")
        return session

    async def wait_for_job(
        self,
        *,
        status: JobStatus | str = JobStatus.SUCCEEDED,
        kind: str | None = None,
        account: Account | None = None,
        since: int = 0,
        timeout_s: float = 10.0,
    ) -> Job:
        """The next job reaching `status` (optionally of `kind`, for `account`)."""

        def matches(entry: Entry) -> bool:
            return (
                entry.kind == EntryKind.JOB
                and entry.note == JobStatus(status).value
                and (kind is None or entry.event == kind)
                and (account is None or entry.user_id == account.user_id)
            )

        entry = await self.wait_for(matches, since=since, timeout_s=timeout_s)
        job = self.jobs.get(entry.payload["uuid"])
        assert job is not None
        return job
