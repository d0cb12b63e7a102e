"""Who holds a webhook delivery's lease, so a restarted instance takes back its own at once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_deliveries", sa.Column("lease_owner", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_deliveries", "lease_owner")
