"""job progress: what a task reports through ctx.progress (percent and message)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("progress_percent", sa.Float(), nullable=True))
    op.add_column("jobs", sa.Column("progress_message", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "progress_message")
    op.drop_column("jobs", "progress_percent")
