"""schedules over the API: time zone, overlap policy, last job, one timing per schedule

A schedule has exactly one of ``cron`` and ``interval_seconds``. A row with both keeps its
interval, the timing beat fired it by until now; a row with neither (beat never fired it) is
removed rather than guessed at.

Revision ID: 0006
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "schedules",
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
    )
    op.add_column(
        "schedules",
        sa.Column("overlap", sa.String(length=8), server_default="allow", nullable=False),
    )
    op.add_column("schedules", sa.Column("last_job_id", sa.Uuid(), nullable=True))
    op.add_column(
        "schedules",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.execute("UPDATE schedules SET cron = NULL WHERE interval_seconds IS NOT NULL")
    op.execute("DELETE FROM schedules WHERE cron IS NULL AND interval_seconds IS NULL")
    op.create_check_constraint(
        op.f("ck_schedules_one_timing"), "schedules", "(cron IS NULL) <> (interval_seconds IS NULL)"
    )
    op.create_check_constraint(
        op.f("ck_schedules_overlap"), "schedules", "overlap IN ('allow', 'skip')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_schedules_overlap"), "schedules", type_="check")
    op.drop_constraint(op.f("ck_schedules_one_timing"), "schedules", type_="check")
    op.drop_column("schedules", "updated_at")
    op.drop_column("schedules", "last_job_id")
    op.drop_column("schedules", "overlap")
    op.drop_column("schedules", "timezone")
