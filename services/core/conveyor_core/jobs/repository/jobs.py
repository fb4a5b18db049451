"""Statements on the jobs table: inserts and lookups, the locks, counters and status changes
of the job services."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from conveyor_core.jobs.repository.task_rows import status_in
from conveyor_core.jobs.states import RETRYABLE, Status, within
from conveyor_core.models import Job, Tenant

# the job's counter each item status counts in (cancelled items leave the counters)
COUNTER = {
    Status.QUEUED: Job.unfinished_items,
    Status.RUNNING: Job.unfinished_items,
    Status.SUCCEEDED: Job.succeeded_items,
    Status.FAILED: Job.failed_items,
    Status.DEAD_LETTERED: Job.failed_items,
}
# a row sent back to the queue by a retry: due now, unsent, with a fresh delivery count
REQUEUED = {
    "status": Status.QUEUED,
    "deliveries": 0,
    "due_at": func.now(),
    "published_at": None,
    "finished_at": None,
}


def insert_job(session: Session, **values: Any) -> Job | None:
    """Insert a job; ``None`` when its idempotency key is already taken by another job."""
    statement = (
        insert(Job)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["tenant_id", "idempotency_key"],
            index_where=Job.idempotency_key.is_not(None),
        )
        .returning(Job)
    )
    return session.scalars(statement).one_or_none()


def insert_jobs(session: Session, rows: list[dict[str, Any]]) -> list[Job]:
    """Insert many jobs in one statement; returned in the order of ``rows``."""
    if not rows:
        return []
    inserted = {job.id: job for job in session.scalars(insert(Job).returning(Job), rows)}
    return [inserted[row["id"]] for row in rows]


def get_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job | None:
    """The job as the database has it now, even if the session held it already."""
    return session.scalars(
        select(Job)
        .where(Job.id == job_id, Job.tenant_id == tenant_id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def get_job_by_idempotency_key(session: Session, tenant_id: uuid.UUID, key: str) -> Job | None:
    return session.scalars(
        select(Job).where(Job.tenant_id == tenant_id, Job.idempotency_key == key)
    ).one_or_none()


def lock_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job | None:
    return session.scalars(
        select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id).with_for_update()
    ).one_or_none()


def lock_job_for_items(session: Session, job_id: uuid.UUID) -> None:
    """Lock a job's row before changing its items and then its counters (the lock order of
    ``hot_path``).

    ``FOR NO KEY UPDATE``, the lock a counter update takes anyway, so taking it early costs
    nothing and never needs an upgrade."""
    session.execute(select(Job.id).where(Job.id == job_id).with_for_update(key_share=True))


def move_counters(session: Session, job_id: uuid.UUID, moved: dict[str, int]) -> None:
    """Add each delta of ``moved`` (counter column name -> delta) to the job's counter."""
    values: dict[str, ColumnElement[int]] = {
        key: getattr(Job, key) + delta for key, delta in moved.items() if delta
    }
    if values:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def set_counters(session: Session, job_id: uuid.UUID, by_status: dict[Status, int]) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            total_items=sum(by_status.values()),
            unfinished_items=by_status.get(Status.QUEUED, 0) + by_status.get(Status.RUNNING, 0),
            succeeded_items=by_status.get(Status.SUCCEEDED, 0),
            failed_items=by_status.get(Status.FAILED, 0) + by_status.get(Status.DEAD_LETTERED, 0),
        )
    )


def _all_items_ended() -> ColumnElement[bool]:
    return (Job.total_items > 0) & (Job.succeeded_items + Job.failed_items == Job.total_items)


def close_if_done(session: Session, job_id: uuid.UUID) -> Job | None:
    """Mark a running fan-out job whose items all ended as finalized, once: the one caller
    that did gets the row, to set its final status and result."""
    return session.scalars(
        update(Job)
        .where(
            Job.id == job_id,
            status_in(Job, within({Status.RUNNING}, Status.SUCCEEDED, Status.FAILED)),
            _all_items_ended(),
            Job.finalized_at.is_(None),
        )
        .values(finalized_at=func.now(), finished_at=func.now(), lease_expires_at=None)
        .returning(Job)
    ).one_or_none()


def stranded_ids(session: Session, limit: int) -> list[uuid.UUID]:
    """Running fan-out jobs whose items all ended but which nobody finalized."""
    return list(
        session.scalars(
            select(Job.id)
            .where(Job.status == Status.RUNNING, Job.finalized_at.is_(None), _all_items_ended())
            .limit(limit)
        )
    )


def start_fan_out(session: Session, job_id: uuid.UUID, task_id: str, items: int) -> bool:
    """Hand a claimed job's lease over to its ``items`` new items; ``False`` if it is no longer
    claimed by ``task_id``."""
    owned = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == Status.RUNNING, Job.celery_task_id == task_id)
        .values(
            total_items=items,
            unfinished_items=items,
            succeeded_items=0,
            failed_items=0,
            lease_expires_at=None,
            deliveries=0,
        )
    )
    return bool(owned.rowcount)  # type: ignore[attr-defined]


def mark_cancelled(session: Session, job: Job) -> None:
    """Cancel a locked job; ``job`` is refreshed to the row as it now stands."""
    session.execute(
        update(Job)
        .where(Job.id == job.id, status_in(Job, within({job.status}, Status.CANCELLED)))
        .values(
            status=Status.CANCELLED,
            finished_at=func.now(),
            lease_expires_at=None,
            unfinished_items=0,
        )
    )
    session.refresh(job)


def reopen(session: Session, job_id: uuid.UUID) -> None:
    """A fan-out job whose failed items go back to the queue runs again until they end."""
    session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            status_in(Job, within({Status.RUNNING, Status.FAILED}, Status.RUNNING)),
        )
        .values(status=Status.RUNNING, finished_at=None, finalized_at=None, result=None)
    )


def requeue(session: Session, job_id: uuid.UUID) -> None:
    """Send a failed or dead-lettered plain job back to the queue."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, status_in(Job, within(RETRYABLE, Status.QUEUED)))
        .values(**REQUEUED)
    )


def requeue_if_stale(session: Session, job_id: uuid.UUID, stale: ColumnElement[datetime]) -> bool:
    """A running plain job whose heartbeat is older than ``stale`` goes back to the queue."""
    reset = session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            status_in(Job, within({Status.RUNNING}, Status.QUEUED)),
            Job.heartbeat_at < stale,
        )
        .values(status=Status.QUEUED, published_at=None, lease_expires_at=None)
        .returning(Job.id)
    ).first()
    return reset is not None


def delete_job(session: Session, job_id: uuid.UUID) -> None:
    session.execute(delete(Job).where(Job.id == job_id))  # items go by ON DELETE CASCADE


def report_progress(
    session: Session, job_id: uuid.UUID, task_id: str, percent: float, message: str | None
) -> Job | None:
    """Record a running job's progress, if the execution ``task_id`` still holds it; returns
    the job as it now stands (for the announcement)."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.status == Status.RUNNING, Job.celery_task_id == task_id)
        .values(progress_percent=percent, progress_message=message)
        .returning(Job)
    )
    return session.scalars(statement, execution_options={"populate_existing": True}).one_or_none()


def tenant_of(session: Session, job_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
    """The id and name of the tenant that owns the job."""
    row = session.execute(
        select(Tenant.id, Tenant.name).join(Job, Job.tenant_id == Tenant.id).where(Job.id == job_id)
    ).first()
    return None if row is None else (row.id, row.name)
