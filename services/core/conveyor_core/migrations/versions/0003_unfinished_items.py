"""unfinished_items: a fan-out job counts its items not yet ended, not queued and running apart

An item's claim (queued -> running) no longer locks and updates its job's row; the running
items are counted from the items themselves when a job is read.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("jobs", "queued_items", new_column_name="unfinished_items")
    op.execute("UPDATE jobs SET unfinished_items = unfinished_items + running_items")
    op.drop_column("jobs", "running_items")


def downgrade() -> None:
    op.add_column(
        "jobs", sa.Column("running_items", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "UPDATE jobs SET running_items = (SELECT count(*) FROM job_items"
        " WHERE job_items.job_id = jobs.id AND job_items.status = 'running')"
    )
    op.execute("UPDATE jobs SET unfinished_items = unfinished_items - running_items")
    op.alter_column("jobs", "unfinished_items", new_column_name="queued_items")
