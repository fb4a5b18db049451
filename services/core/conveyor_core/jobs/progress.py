"""A fan-out job's counters: moved in the same transaction as the item whose status changes,
and the single, exactly-once finalization when the last item ends.

The job counts its items not yet ended (queued and running alike), succeeded and failed: an
item's claim changes none of them, so it leaves the job's row alone."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem

RESULTS_SAMPLE = 10  # failed items listed by position in the finalizer's summary

COUNTER = {
    Status.QUEUED: Job.unfinished_items,
    Status.RUNNING: Job.unfinished_items,
    Status.SUCCEEDED: Job.succeeded_items,
    Status.FAILED: Job.failed_items,
    Status.DEAD_LETTERED: Job.failed_items,
}


def shift(
    session: Session, job_id: uuid.UUID, source: Status, target: Status, count: int = 1
) -> None:
    """Move ``count`` items from one counter to another (cancelled items leave the counters;
    queued and running are both unfinished, so between them nothing moves)."""
    moved: dict[str, int] = {}
    for status, delta in ((source, -count), (target, count)):
        if status in COUNTER:
            key = COUNTER[status].key
            moved[key] = moved.get(key, 0) + delta
    values: dict[str, ColumnElement[int]] = {
        key: getattr(Job, key) + delta for key, delta in moved.items() if delta
    }
    if values:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def finalize_if_done(session: Session, job_id: uuid.UUID) -> Job | None:
    """Close the job if its last item just ended; returns it to the one caller that did."""
    done = Job.succeeded_items + Job.failed_items == Job.total_items
    job = session.scalars(
        update(Job)
        .where(
            Job.id == job_id,
            Job.status == Status.RUNNING,
            Job.total_items > 0,
            done,
            Job.finalized_at.is_(None),
        )
        .values(finalized_at=func.now(), finished_at=func.now(), lease_expires_at=None)
        .returning(Job)
    ).one_or_none()
    if job is None:
        return None
    summary = statistics(session, job_id)
    job.status = Status.FAILED if summary["items"].get("failed", 0) else Status.SUCCEEDED
    job.result = summary
    session.flush()
    # RETURNING carried the row's columns, not the count of running items a select adds
    session.refresh(job, ["running_count"])
    return job


def items_by_status(session: Session, job_id: uuid.UUID) -> dict[str, int]:
    rows = session.execute(
        select(JobItem.status, func.count())
        .where(JobItem.job_id == job_id)
        .group_by(JobItem.status)
    )
    return {status: count for status, count in rows}


def statistics(session: Session, job_id: uuid.UUID) -> dict[str, Any]:
    duration = func.extract("epoch", JobItem.finished_at - JobItem.started_at)
    by_status = items_by_status(session, job_id)
    times = session.execute(
        select(
            func.min(duration),
            func.max(duration),
            func.avg(duration),
            func.percentile_cont(0.5).within_group(duration),
            func.percentile_cont(0.95).within_group(duration),
        ).where(JobItem.job_id == job_id, JobItem.finished_at.is_not(None))
    ).one()
    failed = session.execute(
        select(JobItem.position, JobItem.error)
        .where(JobItem.job_id == job_id, JobItem.status.in_([Status.FAILED, Status.DEAD_LETTERED]))
        .order_by(JobItem.position)
        .limit(RESULTS_SAMPLE)
    ).all()
    items = {"succeeded": 0, "failed": 0}
    for status, count in by_status.items():
        key = Status.FAILED.value if status == Status.DEAD_LETTERED else status
        items[key] = items.get(key, 0) + count
    return {
        "items": items,
        "item_seconds": dict(
            zip(
                ("min", "max", "mean", "p50", "p95"),
                (round(float(t), 6) if t is not None else None for t in times),
                strict=True,
            )
        ),
        "failed_sample": [{"position": p, "error": e} for p, e in failed],
    }


def recount(session: Session, job_id: uuid.UUID) -> None:
    """Recompute the counters from the items themselves (repairs drift)."""
    by_status = items_by_status(session, job_id)
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


def finalize_stranded(session: Session, limit: int) -> list[Job]:
    """Finalize running fan-out jobs whose items all ended but whose finisher died before
    closing the job (the last outcome and the finalization are separate transactions)."""
    stranded = session.scalars(
        select(Job.id)
        .where(
            Job.status == Status.RUNNING,
            Job.total_items > 0,
            Job.finalized_at.is_(None),
            Job.succeeded_items + Job.failed_items == Job.total_items,
        )
        .limit(limit)
    ).all()
    return [job for job in (finalize_if_done(session, job_id) for job_id in stranded) if job]
