"""The SQL schema. Alembic migrations under `migrations/` create exactly these tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# MySQL's plain BLOB holds 64 KiB; input images are megabytes.
Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
# MySQL's TEXT holds 64 KiB; prompts and JSON-ish strings stay far below, but reasons may not.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")

tasks = Table(
    "tasks",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("action", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("progress", Integer, nullable=False, default=0),
    Column("prompt", LongText, nullable=False, default=""),
    Column("prompt_en", LongText, nullable=False, default=""),
    Column("description", LongText, nullable=False, default=""),
    Column("state", LongText),
    Column("bot_type", String(32), nullable=False),
    Column("mode", String(16)),
    Column("requested_modes", JSON, nullable=False),
    Column("account_filter", JSON),
    Column("notify_hook", Text),
    Column("owner", String(64)),
    Column("parent_id", BigInteger),
    Column("custom_id", String(255)),
    Column("account_id", String(64)),
    Column("submit_time_ms", BigInteger, nullable=False),
    Column("start_time_ms", BigInteger),
    Column("finish_time_ms", BigInteger),
    Column("image_url", Text),
    Column("image_urls", JSON, nullable=False),
    Column("video_url", Text),
    Column("video_urls", JSON, nullable=False),
    Column("fail_reason", LongText),
    Column("buttons", JSON, nullable=False),
    Column("final_prompt", LongText),
    Column("final_zh_prompt", LongText),
    Column("message_id", String(32)),
    Column("message_hash", String(64)),
    Column("message_flags", Integer),
    Column("progress_message_id", String(32)),
    Column("nonce", String(32)),
    Column("seed", String(32)),
    Column("properties", JSON, nullable=False),
    Column("engine_state", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=0),
    Index(None, "status"),
    Index(None, "submit_time_ms"),
    Index(None, "account_id"),
    Index(None, "owner"),
    Index(None, "parent_id"),
    Index(None, "nonce"),
    Index(None, "message_hash"),
)

task_inputs = Table(
    "task_inputs",
    metadata,
    Column("task_id", BigInteger, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("role", String(16), nullable=False),
    Column("mime", String(32), nullable=False),
    Column("data", Blob, nullable=False),
)

# SQLite autoincrements only an INTEGER primary key.
AutoId = BigInteger().with_variant(Integer(), "sqlite")
# MySQL compares text case-insensitively by default; a banned word is stored as written and
# spellings are told apart (and merged) by the service's normaliser, not by the collation.
WordText = String(100).with_variant(mysql.VARCHAR(100, collation="utf8mb4_bin"), "mysql", "mariadb")

banned_words = Table(
    "banned_words",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("word", WordText, nullable=False, unique=True),
    Column("created_ms", BigInteger, nullable=False),
)

# One row per thing done once per database (e.g. seeding the default banned words), so it
# is not redone after an admin has undone it.
store_markers = Table(
    "store_markers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("created_ms", BigInteger, nullable=False),
)

# The webhook outbox: one row per (task change, hook URL), kept after delivery as the log.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("task_id", BigInteger, nullable=False),
    Column("task_version", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("payload", LongText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_ms", BigInteger, nullable=False),
    Column("next_attempt_ms", BigInteger, nullable=False),
    Column("deadline_ms", BigInteger, nullable=False),
    Column("lease_until_ms", BigInteger),
    # The instance holding the lease ("node-<node_id>"): a restarted instance takes back
    # the leases its killed predecessor held instead of waiting for them to run out.
    Column("lease_owner", String(64)),
    Column("last_attempt_ms", BigInteger),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("finished_ms", BigInteger),
    # What the delivery is about when it is not a task change: "account:<id>" for an
    # account alert (those carry task_id 0, so they are sent one after another, in order).
    Column("topic", String(80)),
    Index(None, "status", "task_id", "id"),
    Index(None, "task_id", "id"),
    Index(None, "created_ms"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("delivery_id", BigInteger, primary_key=True, autoincrement=False),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("started_ms", BigInteger, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
)

# The account pool. The user token is stored as written (docs/accounts.md says so): protect
# the database as you protect the config file. Limits and facts are JSON maps.
accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("engine", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("guild_id", String(32), nullable=False),
    Column("user_token", Text, nullable=False),
    Column("user_agent", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("bots", JSON, nullable=False),
    Column("modes", JSON, nullable=False),
    Column("limits", JSON, nullable=False),
    Column("remix", Boolean, nullable=False),
    Column("remix_auto_submit", Boolean, nullable=False),
    Column("auto_relax", Boolean, nullable=False),
    Column("weight", Integer, nullable=False),
    Column("remark", Text, nullable=False),
    Column("daily_limit", Integer),
    Column("pause_min_s", Float, nullable=False),
    Column("pause_max_s", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("state_reason", Text, nullable=False),
    Column("state_since_ms", BigInteger, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("jobs_day", String(10), nullable=False),
    Column("jobs_today", Integer, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)
