"""A Discord + Midjourney bot simulator that speaks Discord's wire protocol.

`Sandbox` runs it on 127.0.0.1: gateway websocket, REST under /api/v9 and /api/v10, CDN,
upload host, the Vary (Region) submit-job endpoint and a control API. See docs/sandbox.md.
"""

from mjproxy.sandbox.accounts import Account, Mode, Plan
from mjproxy.sandbox.bot.checks import Scenario
from mjproxy.sandbox.bot.jobs import Job, JobKind, JobStatus
from mjproxy.sandbox.config import (
    ContentStyle,
    DescribeResult,
    PreviewStyle,
    SandboxConfig,
    Switches,
    Timings,
)
from mjproxy.sandbox.identities import MIDJOURNEY_APP_ID, NIJI_APP_ID
from mjproxy.sandbox.server import Sandbox
from mjproxy.sandbox.transcript import Entry, EntryKind, Transcript

__all__ = [
    "MIDJOURNEY_APP_ID",
    "NIJI_APP_ID",
    "Account",
    "ContentStyle",
    "DescribeResult",
    "Entry",
    "EntryKind",
    "Job",
    "JobKind",
    "JobStatus",
    "Mode",
    "Plan",
    "PreviewStyle",
    "Sandbox",
    "SandboxConfig",
    "Scenario",
    "Switches",
    "Timings",
    "Transcript",
]
