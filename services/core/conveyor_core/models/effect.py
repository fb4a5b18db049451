from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, func
from sqlalchemy.orm import Mapped, mapped_column

from conveyor_core.db.base import Base


class Effect(Base):
    """One side effect applied by a ``diag.effect`` execution: the ledger the chaos suite counts.

    Deliberately without a unique key on the job: a duplicate effect must show up as a second
    row, never be hidden by a constraint.
    """

    __tablename__ = "diag_effects"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID | None]
    attempt: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(server_default=func.now())
