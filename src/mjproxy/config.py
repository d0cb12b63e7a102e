"""Settings: one YAML file plus `MJPROXY_*` environment variables, validated once at start.

Precedence, lowest to highest: defaults, the YAML file (`--config FILE`), environment
variables (`MJPROXY_API_SECRET`, nested keys with `__`: `MJPROXY_SCHEDULER__RUNNING=5`),
then explicit overrides (command-line flags). Every key is documented in
`config.example.yaml`. This is the only module that reads the environment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from mjproxy.domain.ids import MAX_NODE_ID
from mjproxy.domain.task import BotType, Mode
from mjproxy.services.prompt_settings import PromptSettings

# Values people paste from examples; refused outside development so nobody runs with them.
_PLACEHOLDER_SECRETS = frozenset({"changethis", "changeme", "change-me", "secret", "your-secret"})


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key and the bad value."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModeLimitSettings(_Section):
    running: int = Field(3, ge=1, le=100)
    queued: int = Field(10, ge=0, le=1000)


class AccountSettings(_Section):
    """One account from the config file, upserted into the database at start.

    Fields written in the file win over the database at every start; fields left out keep
    what the database (the admin API) holds. See docs/accounts.md.
    """

    id: str = Field("", max_length=64)
    engine: str = "discord"
    channel_id: str = ""
    guild_id: str = ""
    user_token: SecretStr = SecretStr("")
    user_agent: str = ""
    enabled: bool = True
    bots: list[BotType] = Field(default_factory=lambda: [BotType.MID_JOURNEY, BotType.NIJI_JOURNEY])
    modes: list[Mode] = Field(default_factory=lambda: [Mode.FAST, Mode.RELAX, Mode.TURBO])
    limits: dict[Mode, ModeLimitSettings] = Field(default_factory=dict)
    remix: bool = False
    remix_auto_submit: bool = False
    auto_relax: bool = True
    weight: int = Field(1, ge=1, le=1000)
    remark: str = Field("", max_length=255)
    daily_limit: int | None = Field(None, ge=1)
    pause_min_s: float = Field(0.0, ge=0, le=600)
    pause_max_s: float = Field(0.0, ge=0, le=600)

    @model_validator(mode="after")
    def _default_id(self) -> AccountSettings:
        if not self.id:
            if not self.channel_id:
                raise ValueError("an account needs an 'id' or a 'channel_id'")
            self.id = self.channel_id
        if self.pause_max_s < self.pause_min_s:
            raise ValueError("pause_max_s must not be smaller than pause_min_s")
        return self


class ImageSettings(_Section):
    max_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_reference_images: int = Field(5, ge=0, le=20)
    max_upload_images: int = Field(10, ge=1, le=50)


class SchedulerSettings(_Section):
    running: int = Field(3, ge=1, le=100)
    queued: int = Field(10, ge=0, le=1000)
    task_timeout_s: float = Field(600.0, gt=0)
    start_timeout_s: float = Field(60.0, gt=0)
    selection: Literal["least_loaded", "weighted_random", "round_robin"] = "least_loaded"
    # Tried, in order, when a request names no mode and no account can run default_mode.
    fallback_modes: list[Mode] = Field(default_factory=lambda: [Mode.RELAX])


class PoolSettings(_Section):
    """Account upkeep: reading /info and /settings, and the account alert webhook."""

    sync_interval_s: float = Field(6 * 3600.0, ge=0)
    sync_jitter: float = Field(0.5, ge=0, lt=1)
    sync_min_gap_s: float = Field(300.0, ge=0)
    sync_timeout_s: float = Field(30.0, gt=0)
    relax_retry_s: float = Field(3600.0, ge=0)
    alert_hook: str | None = None


class S3Settings(_Section):
    """S3-compatible object storage for media (docs/media.md)."""

    bucket: str = ""
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    prefix: str = ""
    url_mode: Literal["proxy", "public", "presigned"] = "proxy"
    public_base_url: str | None = None
    presign_expiry_s: int = Field(3600, ge=1, le=7 * 24 * 3600)
    path_style: bool = True
    timeout_s: float = Field(30.0, gt=0)


class MediaSettings(_Section):
    """Re-hosted result images: where they live and for how long (docs/media.md)."""

    rehost: bool = True
    previews: bool = True
    storage: Literal["local", "s3"] = "local"
    dir: Path | None = None
    retention_days: float = Field(30.0, ge=0)
    cleanup_interval_s: float = Field(3600.0, gt=0)
    download_timeout_s: float = Field(60.0, gt=0)
    max_download_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    thumbnail_max_side: int = Field(384, ge=16, le=4096)
    s3: S3Settings = Field(default_factory=S3Settings)

    @model_validator(mode="after")
    def _check_s3(self) -> MediaSettings:
        if self.storage == "s3" and not self.s3.bucket:
            raise ValueError("media.storage is 's3' but media.s3.bucket is empty")
        if self.s3.url_mode == "public" and self.storage == "s3" and not self.s3.public_base_url:
            raise ValueError("media.s3.url_mode 'public' needs media.s3.public_base_url")
        return self


class WebhookSettings(_Section):
    """Notify hooks: retries, signatures and the SSRF allow-list (docs/webhooks.md)."""

    global_hook: str | None = None
    signing_secret: SecretStr | None = None
    attempt_timeout_s: float = Field(10.0, gt=0, le=300)
    retry_window_s: float = Field(24 * 3600.0, ge=0)
    first_delay_s: float = Field(2.0, gt=0)
    max_delay_s: float = Field(600.0, gt=0)
    concurrency: int = Field(8, ge=1, le=256)
    allowed_networks: list[str] = Field(default_factory=list)
    log_retention_days: float = Field(7.0, ge=0)

    @model_validator(mode="after")
    def _check_networks(self) -> WebhookSettings:
        for text in self.allowed_networks:
            try:
                ipaddress.ip_network(text.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"webhooks.allowed_networks has {text!r}, which is not a network "
                    "such as '10.0.0.0/8' or '127.0.0.1/32'"
                ) from None
        return self


class DiscordEngineSettings(_Section):
    """How the Discord engine reaches Discord, a reverse proxy, or the sandbox (docs/discord.md)."""

    api_url: str = "https://discord.com/api/v9"
    gateway_url: str = "wss://gateway.discord.gg"
    resume_gateway_url: str | None = None
    cdn_url: str | None = None
    upload_url: str | None = None
    iframe_url: str = "https://{application_id}.discordsays.com"
    compress: bool = True
    system_locale: str = "en-US"
    client_build_number: int = Field(222963, ge=1)
    rest_timeout_s: float = Field(30.0, gt=0)
    max_rate_limit_wait_s: float = Field(60.0, gt=0)
    ready_timeout_s: float = Field(30.0, gt=0)
    deletion_grace_s: float = Field(10.0, ge=0)
    sync_info_on_ready: bool = True


class Settings(BaseSettings):
    """Everything an operator can set. Built once at start and passed down explicitly."""

    model_config = SettingsConfigDict(
        env_prefix="MJPROXY_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    data_dir: Path = Path("data")
    database_url: str | None = None
    api_secret: SecretStr | None = None
    admin_secret: SecretStr | None = None
    language: Literal["en", "zh"] = "en"
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    default_mode: Mode = Mode.FAST
    node_id: int = Field(0, ge=0, le=MAX_NODE_ID)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    public_base_url: str | None = None
    images: ImageSettings = Field(default_factory=ImageSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    accounts: list[AccountSettings] = Field(default_factory=list)
    pool: PoolSettings = Field(default_factory=PoolSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    prompts: PromptSettings = Field(default_factory=PromptSettings)
    discord: DiscordEngineSettings = Field(default_factory=DiscordEngineSettings)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        seen: set[str] = set()
        for account in self.accounts:
            if account.id in seen:
                raise ValueError(f"two accounts have the id {account.id!r}; ids must be unique")
            seen.add(account.id)
        if self.public_base_url and not self.public_base_url.startswith(("http://", "https://")):
            raise ValueError("public_base_url must start with http:// or https://")
        if self.environment == "production":
            for name in ("api_secret", "admin_secret"):
                secret: SecretStr | None = getattr(self, name)
                if secret is not None and secret.get_secret_value() in _PLACEHOLDER_SECRETS:
                    raise ValueError(f"{name} is a placeholder; set a real secret in production")
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured database, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'mjproxy.db').resolve()}"

    @property
    def effective_public_base_url(self) -> str:
        """Where clients reach this server: `public_base_url`, else the listening address."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    @property
    def effective_media_dir(self) -> Path:
        return self.media.dir or self.data_dir / "media"

    def limits_for(self, account: AccountSettings, mode: Mode) -> ModeLimitSettings:
        """An account's own limits for `mode`, else the scheduler's defaults."""
        own = account.limits.get(mode)
        if own is not None:
            return own
        return ModeLimitSettings(running=self.scheduler.running, queued=self.scheduler.queued)

    @property
    def default_limits(self) -> ModeLimitSettings:
        """What an account's mode without its own limits gets (`scheduler.running/queued`)."""
        return ModeLimitSettings(running=self.scheduler.running, queued=self.scheduler.queued)


def load_settings(
    config_file: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read `config_file` (optional), the environment and `overrides`, then validate.

    `environ` replaces `os.environ` (tests pass their own). Raises `ConfigError`.
    """
    merged = _read_yaml(config_file) if config_file else {}
    merged = _deep_merge(merged, _read_env(environ))
    merged = _deep_merge(merged, {k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source=config_file)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {str(path)!r}: {exc.strerror}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The config file {str(path)!r} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Expected the config file {str(path)!r} to hold a mapping of keys, "
            f"but it holds a {type(data).__name__}."
        )
    return data


def _read_env(environ: Mapping[str, str] | None) -> dict[str, Any]:
    source = EnvSettingsSource(Settings)
    if environ is not None:
        source.env_vars = {key.lower(): value for key, value in environ.items()}
    try:
        return source()
    except ValueError as exc:
        raise ConfigError(f"An MJPROXY_* environment variable is malformed: {exc}") from None


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _deep_merge(dict(result[key]), value)
        else:
            result[key] = value
    return result


def _describe(exc: ValidationError, *, source: Path | None) -> str:
    where = f" (from {source} and MJPROXY_* variables)" if source else ""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "<root>"
        if error["type"] == "extra_forbidden":
            lines.append(f"Config key {key!r} is not a setting; see config.example.yaml.")
            continue
        value = error.get("input")
        shown = "<secret>" if "secret" in key or "token" in key else _short(value)
        lines.append(f"Config {key!r} has value {shown}: {error['msg']}.")
    return f"Invalid configuration{where}:\n  " + "\n  ".join(lines)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
