"""How a sandbox behaves: timings, protocol limits, switches for what the reference leaves open."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class ContentStyle(StrEnum):
    """How a finished job's content ends (reference §3.3, "newer done variant")."""

    CLASSIC = "classic"  # **cat** - <@1> (fast)
    WEBSITE_LINK = "website_link"  # … [(Open on website for full quality)](<https://…>) (fast)
    WEBSITE_PLAIN = "website_plain"  # … (Open on website for full quality) (fast)


class PreviewStyle(StrEnum):
    """What progress edits attach (reference §3.4)."""

    GRID_WEBP = "grid_webp"  # attachments/…/<uuid>_grid_0.webp
    EPHEMERAL_STEPS = "ephemeral_steps"  # ephemeral-attachments/…/<uuid>_0_step_<n>.jpeg
    NONE = "none"


class DescribeResult(StrEnum):
    """How /describe delivers its prompts (reference §6.5): edit the reply or post a new message."""

    UPDATE = "update"
    CREATE = "create"


@dataclass(slots=True)
class Switches:
    """Reference §6.7's open questions and the format variants, each a switch to test both ways."""

    success_before_message: bool = False  # INTERACTION_SUCCESS before the bot's first message
    success_after_modal: bool = True  # INTERACTION_SUCCESS follows INTERACTION_MODAL_CREATE
    button_start_nonce: bool = True  # button jobs' "(Waiting to start)" message carries the nonce
    button_start_ephemeral: bool = False  # …and is ephemeral with a Cancel Job button
    describe_result: DescribeResult = DescribeResult.CREATE
    content_style: ContentStyle = ContentStyle.CLASSIC
    subtext_line: bool = False  # "-# Create, explore, and organize on midjourney.com" line
    progress_previews: PreviewStyle = PreviewStyle.GRID_WEBP
    mark_pressed_upscale: bool = False  # edit the grid so a pressed U button turns blue
    echo_version: bool = False  # echo prompts with the account's `--v X` appended
    ephemeral_errors: bool = False  # error embeds as ephemeral (flags 64) messages
    noise_events: bool = (
        True  # READY_SUPPLEMENTAL, SESSIONS_REPLACE, reactions … clients must ignore
    )

    def update(self, **changes: Any) -> None:
        """Set switches by name (strings become their enums); unknown names raise ValueError."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"Expected a switch among {sorted(known)}, but got {name!r}.")
            current = getattr(self, name)
            if isinstance(current, StrEnum):
                value = type(current)(value)
            elif isinstance(current, bool) and not isinstance(value, bool):
                raise ValueError(f"Switch {name!r} takes true or false, but got {value!r}.")
            setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class Timings:
    """Simulated seconds at speed 1 (close to real Midjourney); the clock divides by `speed`."""

    interaction_create_s: float = 0.05
    response_s: float = 0.6  # INTERACTION_CREATE → the bot's first message
    success_gap_s: float = 0.05  # the first message ↔ INTERACTION_SUCCESS
    queued_wait_s: float = 0.2  # a slot frees → the queued job's start message
    step_fast_s: float = 3.0
    step_relax_s: float = 7.0
    step_turbo_s: float = 1.5
    step_video_s: float = 8.0
    progress_percents: tuple[int, ...] = (0, 15, 31, 46, 62, 78, 93)
    upscale_percents: tuple[int, ...] = (0, 31, 62, 93)
    delete_after_result_s: float = 0.2
    pick_upscale_s: float = 1.5  # U1–U4: no progress, just the picked image
    describe_s: float = 4.0
    shorten_s: float = 3.0
    info_s: float = 0.8
    seed_dm_s: float = 1.0
    interaction_timeout_s: float = 3.0
    # How long a form (modal, Vary Region editor, acknowledge button) stays open: a person's
    # time, in real seconds, not divided by the speed.
    modal_ttl_s: float = 900.0
    inpaint_token_ttl_s: float = 900.0


@dataclass(slots=True)
class SandboxConfig:
    """Everything a sandbox is built from. `validate()` runs in `Sandbox.__init__`."""

    host: str = "127.0.0.1"
    port: int = 0
    speed: float = 1.0
    seed: int = 0
    tile_px: int = 1024  # long side of one grid quadrant; the grid is twice that (2048 for 1:1)
    heartbeat_interval_ms: int = 41_250
    enforce_heartbeat: bool = True
    heartbeat_timeout_factor: float = 1.5  # close 4009 when no heartbeat for interval × this
    resume_window_s: float = 180.0
    replay_buffer_size: int = 1000
    reconnect_close_s: float = 2.0  # after an injected op 7, close the socket this much later
    client_send_limit: int = 120  # payloads per window per connection before close 4008
    client_send_window_s: float = 60.0
    queue_depth: int = 10  # jobs that may wait for a slot before "Queue full"
    banned_words: tuple[str, ...] = ("sbx-banned",)
    enforce_rate_limits: bool = False
    # What X-RateLimit-* headers announce per (user, route, channel) bucket, and what is
    # enforced when `enforce_rate_limits` is on. Well-behaved clients wait when a bucket is
    # spent, so the default is generous (Discord's global 50 requests per second).
    rate_limit: int = 50
    rate_limit_window_s: float = 1.0
    cdn_link_ttl_s: float = 86_400.0
    cdn_max_bytes: int = 512 * 1024 * 1024  # oldest files are evicted past this
    max_upload_bytes: int = 25 * 1024 * 1024
    transcript_limit: int = 20_000  # entries kept; older ones fall off (memory of long demos)
    # Real seconds every job with progress (imagine, variations, upscales …) spends between its
    # start message and its result, whatever `speed` says: a fixed job time for benchmarks
    # that compare a makespan with ⌈jobs / slots⌉ × job time. None: the steps of `timings`.
    job_time_s: float | None = None
    timings: Timings = field(default_factory=Timings)
    switches: Switches = field(default_factory=Switches)

    def validate(self) -> None:
        """Raise ValueError naming the first setting with an impossible value."""
        checks: list[tuple[str, bool]] = [
            ("speed", self.speed > 0),
            ("port", 0 <= self.port <= 65535),
            ("tile_px", 16 <= self.tile_px <= 4096),
            ("heartbeat_interval_ms", self.heartbeat_interval_ms > 0),
            ("heartbeat_timeout_factor", self.heartbeat_timeout_factor >= 1.0),
            ("resume_window_s", self.resume_window_s >= 0),
            ("replay_buffer_size", self.replay_buffer_size > 0),
            ("client_send_limit", self.client_send_limit > 0),
            ("queue_depth", self.queue_depth >= 0),
            ("rate_limit", self.rate_limit > 0),
            ("rate_limit_window_s", self.rate_limit_window_s > 0),
            ("max_upload_bytes", self.max_upload_bytes > 0),
            ("cdn_max_bytes", self.cdn_max_bytes > 0),
            ("job_time_s", self.job_time_s is None or self.job_time_s > 0),
        ]
        for name, ok in checks:
            if not ok:
                raise ValueError(f"Sandbox setting {name!r} has value {getattr(self, name)!r}.")
