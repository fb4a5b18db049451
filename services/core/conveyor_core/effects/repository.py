"""Applying a recorded effect at most once per job (or item), only by the execution owning it.

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
from enum import StrEnum

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from conveyor_core.jobs.states import Status
from conveyor_core.models import Effect, Job, JobItem


class Applied(StrEnum):
    APPLIED = "applied"
    ALREADY = "already_applied"  # by an earlier execution that died before its outcome
    NOT_OURS = "not_ours"  # this execution no longer owns the row


def _lock_owned(
    session: Session, job_id: uuid.UUID, item_id: uuid.UUID | None, attempt: int
) -> bool:
    if item_id is not None:
        # the job's row before its item's (the lock order of ``jobs.repository``); KEY SHARE
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
