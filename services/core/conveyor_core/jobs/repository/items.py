"""Statements on a fan-out job's items: created in bulk, changed by the job services, counted
for the finalizer's summary and the Celery view."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, insert, select, update
from sqlalchemy.orm import Session

from conveyor_core.jobs.repository.jobs import REQUEUED
from conveyor_core.jobs.repository.task_rows import status_in
from conveyor_core.jobs.states import RETRYABLE, Status, sources_of, within
from conveyor_core.models import JobItem


def insert_items(
    session: Session, job_id: uuid.UUID, params: list[dict[str, Any]]
) -> list[uuid.UUID]:
    """One item per entry of ``params``, in that order; returns their ids."""
    ids = [uuid.uuid4() for _ in params]
    if ids:
        session.execute(
            insert(JobItem),
            [
                {"id": item_id, "job_id": job_id, "position": position, "params": item}
                for position, (item_id, item) in enumerate(zip(ids, params, strict=True))
            ],
        )
    return ids


def cancel_items(session: Session, job_id: uuid.UUID) -> list[str | None]:
    """Cancel the job's unfinished items; returns the task ids of those that had one."""
    return list(
        session.scalars(
            update(JobItem)
            .where(
                JobItem.job_id == job_id,
                status_in(JobItem, sorted(sources_of(Status.CANCELLED))),
            )
            .values(status=Status.CANCELLED, finished_at=func.now(), lease_expires_at=None)
            .returning(JobItem.celery_task_id)
        )
    )


def requeue_retryable(session: Session, job_id: uuid.UUID) -> list[uuid.UUID]:
    """Send the job's failed and dead-lettered items back to the queue; returns their ids."""
    return list(
        session.scalars(
            update(JobItem)
            .where(JobItem.job_id == job_id, status_in(JobItem, within(RETRYABLE, Status.QUEUED)))
            .values(**REQUEUED)
            .returning(JobItem.id)
        )
    )


def requeue_stale(
    session: Session, job_id: uuid.UUID, stale: ColumnElement[datetime]
) -> list[uuid.UUID]:
    """Running items whose heartbeat is older than ``stale`` go back to the queue."""
    return list(
        session.scalars(
            update(JobItem)
            .where(
                JobItem.job_id == job_id,
                status_in(JobItem, within({Status.RUNNING}, Status.QUEUED)),
                JobItem.heartbeat_at < stale,
            )
            .values(status=Status.QUEUED, published_at=None, lease_expires_at=None)
            .returning(JobItem.id)
        )
    )


def mark_published(session: Session, job_id: uuid.UUID) -> None:
    """Every queued item of the job not yet sent was sent now."""
    session.execute(
        update(JobItem)
        .where(
            JobItem.job_id == job_id,
            JobItem.status == Status.QUEUED,
            JobItem.published_at.is_(None),
        )
        .values(published_at=func.now())
    )


def count_by_status(session: Session, job_id: uuid.UUID) -> dict[Status, int]:
    rows = session.execute(
        select(JobItem.status, func.count())
        .where(JobItem.job_id == job_id)
        .group_by(JobItem.status)
    )
    return {status: count for status, count in rows}


def durations(session: Session, job_id: uuid.UUID) -> Row[tuple[Any, ...]]:
    """Seconds the job's ended items ran: min, max, mean, p50 and p95."""
    duration = func.extract("epoch", JobItem.finished_at - JobItem.started_at)
    return session.execute(
        select(
            func.min(duration),
            func.max(duration),
            func.avg(duration),
            func.percentile_cont(0.5).within_group(duration),
            func.percentile_cont(0.95).within_group(duration),
        ).where(JobItem.job_id == job_id, JobItem.finished_at.is_not(None))
    ).one()


def failed_sample(session: Session, job_id: uuid.UUID, limit: int) -> list[tuple[int, Any]]:
    """The first ``limit`` failed items by position, with their errors."""
    rows = session.execute(
        select(JobItem.position, JobItem.error)
        .where(JobItem.job_id == job_id, JobItem.status.in_([Status.FAILED, Status.DEAD_LETTERED]))
        .order_by(JobItem.position)
        .limit(limit)
    )
    return [(position, error) for position, error in rows]


READ_BATCH = 1000  # items fetched per round trip while a finalize iterates them
FAILED_STATUSES = (Status.FAILED, Status.DEAD_LETTERED)


def succeeded_results(session: Session, job_id: uuid.UUID) -> Iterator[dict[str, Any]]:
    """The results of the job's succeeded items, by position, fetched in batches."""
    rows = session.execute(
        select(JobItem.result)
        .where(JobItem.job_id == job_id, JobItem.status == Status.SUCCEEDED)
        .order_by(JobItem.position)
        .execution_options(yield_per=READ_BATCH)
    )
    for (result,) in rows:
        yield result or {}


def failed_items(
    session: Session, job_id: uuid.UUID
) -> Iterator[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """(position, params, error) of the job's failed items, by position, in batches."""
    rows = session.execute(
        select(JobItem.position, JobItem.params, JobItem.error)
        .where(JobItem.job_id == job_id, JobItem.status.in_(FAILED_STATUSES))
        .order_by(JobItem.position)
        .execution_options(yield_per=READ_BATCH)
    )
    for row in rows:
        yield row.position, row.params, row.error


def count_by_status_and_retry(
    session: Session, job_id: uuid.UUID
) -> list[tuple[Status, bool, int]]:
    """The job's items by status, the queued ones told apart by whether they wait for a retry."""
    waiting_retry = and_(JobItem.status == Status.QUEUED, JobItem.attempts > 0)
    rows = session.execute(
        select(JobItem.status, waiting_retry, func.count())
        .where(JobItem.job_id == job_id)
        .group_by(JobItem.status, waiting_retry)
    )
    return [(status, bool(retrying), count) for status, retrying, count in rows]
