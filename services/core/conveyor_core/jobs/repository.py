"""Every SQL statement about jobs and items."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from conveyor_core.jobs.states import Status, sources_of
from conveyor_core.models import Job, JobItem
from conveyor_core.publishing import Delivery

Row = type[Job] | type[JobItem]
# Functions that return the row they touched are generic over its model.
M = TypeVar("M", Job, JobItem)


def _now_plus(seconds: float) -> Any:
    return func.now() + timedelta(seconds=seconds)


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
    return session.scalars(
        select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id)
    ).one_or_none()


def get_job_by_idempotency_key(session: Session, tenant_id: uuid.UUID, key: str) -> Job | None:
    return session.scalars(
        select(Job).where(Job.tenant_id == tenant_id, Job.idempotency_key == key)
    ).one_or_none()


def mark_published(session: Session, model: Row, ids: list[uuid.UUID]) -> None:
    if not ids:
        return
    session.execute(
        update(model)
        .where(model.id.in_(ids), model.status == Status.QUEUED)
        .values(published_at=func.now())
    )


def load(session: Session, model: type[M], row_id: uuid.UUID) -> M | None:
    return session.get(model, row_id)


def claim(
    session: Session, model: Row, row_id: uuid.UUID, task_id: str, lease_seconds: float
) -> Job | JobItem | None:
    """Take a queued row for one execution; ``None`` if it is claimed, finished or not due."""
    statement = (
        update(model)
        .where(
            model.id == row_id,
            model.status.in_(sources_of(Status.RUNNING)),
            model.due_at <= func.now(),
        )
        .values(
            status=Status.RUNNING,
            attempts=model.attempts + 1,
            deliveries=model.deliveries + 1,
            celery_task_id=task_id,
            started_at=func.coalesce(model.started_at, func.now()),
            heartbeat_at=func.now(),
            lease_expires_at=_now_plus(lease_seconds),
        )
        .returning(model)
    )
    return cast("Job | JobItem | None", session.scalars(statement).one_or_none())


def _owned(model: Row, row_id: uuid.UUID, task_id: str) -> Any:
    """The row as claimed by this execution: a stale or cancelled execution matches nothing."""
    return (
        (model.id == row_id) & (model.status == Status.RUNNING) & (model.celery_task_id == task_id)
    )


def heartbeat(
    session: Session, model: Row, row_id: uuid.UUID, task_id: str, lease_seconds: float
) -> bool:
    result = session.execute(
        update(model)
        .where(_owned(model, row_id, task_id))
        .values(heartbeat_at=func.now(), lease_expires_at=_now_plus(lease_seconds))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session,
    model: Row,
    row_id: uuid.UUID,
    task_id: str,
    status: Status,
    *,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> bool:
    """Record the outcome of this execution; ``False`` when the row is no longer ours."""
    outcome = session.execute(
        update(model)
        .where(_owned(model, row_id, task_id))
        .values(
            status=status,
            result=result,
            error=error,
            deliveries=0,
            finished_at=func.now(),
            lease_expires_at=None,
        )
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


def schedule_retry(
    session: Session,
    model: Row,
    row_id: uuid.UUID,
    task_id: str,
    *,
    delay_seconds: float,
    error: dict[str, Any],
) -> bool:
    """Put the row back in the queue, due after the backoff; the reconciler publishes it then."""
    outcome = session.execute(
        update(model)
        .where(_owned(model, row_id, task_id))
        .values(
            status=Status.QUEUED,
            error=error,
            deliveries=0,
            due_at=_now_plus(delay_seconds),
            published_at=None,
            lease_expires_at=None,
        )
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


def mark_items_published(session: Session, job_id: uuid.UUID) -> None:
    session.execute(
        update(JobItem)
        .where(
            JobItem.job_id == job_id,
            JobItem.status == Status.QUEUED,
            JobItem.published_at.is_(None),
        )
        .values(published_at=func.now())
    )


def mark_deliveries_published(session: Session, deliveries: list[Delivery]) -> None:
    mark_published(session, Job, [d.job_id for d in deliveries if d.item_id is None])
    mark_published(session, JobItem, [d.item_id for d in deliveries if d.item_id is not None])
