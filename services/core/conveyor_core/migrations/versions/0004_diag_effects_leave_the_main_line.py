"""diag_effects leaves the production schema: the diagnostic family's own branch (``diag``)
creates it, and only where CONVEYOR_DIAGNOSTICS is on

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
# the production schema's line, from here on: ``main@head``
branch_labels: str | Sequence[str] | None = ("main",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS diag_effects")


def downgrade() -> None:
    # back to the schema of 0002-0003, where every database had the ledger
    op.create_table(
        "diag_effects",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_diag_effects_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diag_effects")),
    )
    op.create_index(op.f("ix_diag_effects_job_id"), "diag_effects", ["job_id"], unique=False)
