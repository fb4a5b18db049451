"""The side-effect ledger of ``diag.effect``: its table, and applying a recorded effect at most
once per job (or item), only by the execution owning it.

Two guards, both inside one transaction:

1. the row is locked ``FOR UPDATE`` *as this execution's*: still ``running`` with the attempt
   number this execution's claim produced. A stale execution (its lease expired and the row was
   requeued or claimed again, or the job was cancelled) matches nothing and applies nothing;
2. under that lock, an effect already recorded for the row (an earlier execution applied it,
   then died before writing its outcome) is not applied again.

The ledger itself has no unique key, so if either guard ever failed, the duplicate would be a
second row for the chaos suite to count.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Identity, exists, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from conveyor_core.db.base import Base
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem

FAMILY = "diag"  # a table's ``info["family"]``: migrated only with diagnostics on


class Effect(Base):
    """One side effect applied by a ``diag.effect`` execution: the ledger the chaos suite counts.

    Deliberately without a unique key on the job: a duplicate effect must show up as a second
    row, never be hidden by a constraint.
    """

    __tablename__ = "diag_effects"
    __table_args__ = {"info": {"family": FAMILY}}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID | None]
    attempt: Mapped[int]
    applied_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Applied(StrEnum):
    APPLIED = "applied"
    ALREADY = "already_applied"  # by an earlier execution that died before its outcome
    NOT_OURS = "not_ours"  # this execution no longer owns the row


def _lock_owned(
    session: Session, job_id: uuid.UUID, item_id: uuid.UUID | None, attempt: int
) -> bool:
    if item_id is not None:
        # the job's row before its item's (the lock order of the jobs repository); KEY SHARE
        # is what the ledger's foreign key takes anyway, and it does not hold up the counters
        session.execute(
            select(Job.id).where(Job.id == job_id).with_for_update(read=True, key_share=True)
        )
    model = JobItem if item_id else Job
    row_id = item_id or job_id
    owned = session.execute(
        select(model.id)
        .where(model.id == row_id, model.status == Status.RUNNING, model.attempts == attempt)
        .with_for_update()
    ).first()
    return owned is not None


def apply_once(
    session: Session, job_id: uuid.UUID, item_id: uuid.UUID | None, attempt: int
) -> Applied:
    if not _lock_owned(session, job_id, item_id, attempt):
        return Applied.NOT_OURS
    same_row = (Effect.job_id == job_id) & (
        Effect.item_id == item_id if item_id else Effect.item_id.is_(None)
    )
    if session.scalar(select(exists().where(same_row))):
        return Applied.ALREADY
    session.execute(insert(Effect).values(job_id=job_id, item_id=item_id, attempt=attempt))
    return Applied.APPLIED


def count_by_row(session: Session) -> dict[tuple[uuid.UUID, uuid.UUID | None], int]:
    """Effects recorded per (job, item): what the chaos ledger compares with the jobs."""
    rows = session.execute(select(Effect.job_id, Effect.item_id)).all()
    counts: dict[tuple[uuid.UUID, uuid.UUID | None], int] = {}
    for row in rows:
        key = (row.job_id, row.item_id)
        counts[key] = counts.get(key, 0) + 1
    return counts
