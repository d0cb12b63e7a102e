"""Tasks and their input images.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
Blob = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("prompt", LongText, nullable=False),
        sa.Column("prompt_en", LongText, nullable=False),
        sa.Column("description", LongText, nullable=False),
        sa.Column("state", LongText, nullable=True),
        sa.Column("bot_type", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("requested_modes", sa.JSON(), nullable=False),
        sa.Column("account_filter", sa.JSON(), nullable=True),
        sa.Column("notify_hook", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("custom_id", sa.String(255), nullable=True),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("submit_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("start_time_ms", sa.BigInteger(), nullable=True),
        sa.Column("finish_time_ms", sa.BigInteger(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("image_urls", sa.JSON(), nullable=False),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("video_urls", sa.JSON(), nullable=False),
        sa.Column("fail_reason", LongText, nullable=True),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("final_prompt", LongText, nullable=True),
        sa.Column("final_zh_prompt", LongText, nullable=True),
        sa.Column("message_id", sa.String(32), nullable=True),
        sa.Column("message_hash", sa.String(64), nullable=True),
        sa.Column("message_flags", sa.Integer(), nullable=True),
        sa.Column("progress_message_id", sa.String(32), nullable=True),
        sa.Column("nonce", sa.String(32), nullable=True),
        sa.Column("seed", sa.String(32), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("engine_state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    for column in (
        "status",
        "submit_time_ms",
        "account_id",
        "owner",
        "parent_id",
        "nonce",
        "message_hash",
    ):
        op.create_index(f"ix_tasks_{column}", "tasks", [column])
    op.create_table(
        "task_inputs",
        sa.Column("task_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("mime", sa.String(32), nullable=False),
        sa.Column("data", Blob, nullable=False),
        sa.PrimaryKeyConstraint("task_id", "position", name="pk_task_inputs"),
    )


def downgrade() -> None:
    op.drop_table("task_inputs")
    op.drop_table("tasks")
