"""The account pool in the database, and a topic for webhook deliveries that are not tasks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("guild_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.Text(), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("bots", sa.JSON(), nullable=False),
        sa.Column("modes", sa.JSON(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("remix", sa.Boolean(), nullable=False),
        sa.Column("remix_auto_submit", sa.Boolean(), nullable=False),
        sa.Column("auto_relax", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("remark", sa.Text(), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("pause_min_s", sa.Float(), nullable=False),
        sa.Column("pause_max_s", sa.Float(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.Column("state_since_ms", sa.BigInteger(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("jobs_day", sa.String(10), nullable=False),
        sa.Column("jobs_today", sa.Integer(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.add_column("webhook_deliveries", sa.Column("topic", sa.String(80), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_deliveries", "topic")
    op.drop_table("accounts")
