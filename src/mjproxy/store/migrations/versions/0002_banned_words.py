"""The banned-word list and the markers of once-per-database work (seeding).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WordText = sa.String(100).with_variant(
    mysql.VARCHAR(100, collation="utf8mb4_bin"), "mysql", "mariadb"
)


def upgrade() -> None:
    op.create_table(
        "banned_words",
        sa.Column("id", AutoId, autoincrement=True, nullable=False),
        sa.Column("word", WordText, nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_banned_words"),
        sa.UniqueConstraint("word", name="uq_banned_words_word"),
    )
    op.create_table(
        "store_markers",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_markers"),
    )


def downgrade() -> None:
    op.drop_table("store_markers")
    op.drop_table("banned_words")
