"""diag_effects: the side-effect ledger of the diag.effect task, on the diagnostic branch

Revision ID: diag_0001
Revises:
Depends on: 0004 (the main line drops the table it had before)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "diag_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("diag",)
depends_on: str | Sequence[str] | None = "0004"


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index(op.f("ix_diag_effects_job_id"), table_name="diag_effects")
    op.drop_table("diag_effects")
