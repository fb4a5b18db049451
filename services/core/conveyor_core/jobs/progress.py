"""A fan-out job's counters: moved in the same transaction as the item whose status changes,
and the single, exactly-once finalization when the last item ends.

The job counts its items not yet ended (queued and running alike), succeeded and failed: an
item's claim changes none of them, so it leaves the job's row alone."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.orm import Session

from conveyor_core.jobs import kinds
from conveyor_core.jobs.repository import items, jobs
from conveyor_core.jobs.repository.jobs import COUNTER
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job

log = structlog.get_logger(__name__)

RESULTS_SAMPLE = 10  # failed items listed by position in the finalizer's summary
DURATION_FIGURES = ("min", "max", "mean", "p50", "p95")


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
    jobs.move_counters(session, job_id, moved)


def finalize_if_done(session: Session, job_id: uuid.UUID) -> Job | None:
    """Close the job if its last item just ended; returns it to the one caller that did."""
    job = jobs.close_if_done(session, job_id)
    if job is None:
        return None
    summary = statistics(session, job_id)
    job.status = Status.FAILED if summary["items"].get("failed", 0) else Status.SUCCEEDED
    job.result = summary
    finisher = kinds.finisher_for(job.kind)
    if finisher is not None:
        _finish(session, job, summary, finisher)
    session.flush()
    # RETURNING carried the row's columns, not the count of running items a select adds
    session.refresh(job, ["running_count"])
    return job


def _finish(session: Session, job: Job, summary: dict[str, Any], finisher: kinds.Finisher) -> None:
    """The kind's finalize, in a savepoint: if it fails, the job fails with its error (and
    keeps the statistics) instead of staying open for the reconciler to try forever."""
    try:
        with session.begin_nested():
            extra = finisher(session, job, summary)
    except Exception as exc:  # the family's code: any error is the job's outcome
        log.error("fan-out finalize failed", job_id=str(job.id), error=repr(exc))
        job.status = Status.FAILED
        job.error = {"type": type(exc).__name__, "message": f"finalize: {exc}"}
        return
    if extra:
        job.result = {**summary, **extra}


def statistics(session: Session, job_id: uuid.UUID) -> dict[str, Any]:
    counts = {"succeeded": 0, "failed": 0}
    for status, count in items.count_by_status(session, job_id).items():
        key = Status.FAILED.value if status == Status.DEAD_LETTERED else status.value
        counts[key] = counts.get(key, 0) + count
    times = items.durations(session, job_id)
    return {
        "items": counts,
        "item_seconds": dict(
            zip(
                DURATION_FIGURES,
                (round(float(t), 6) if t is not None else None for t in times),
                strict=True,
            )
        ),
        "failed_sample": [
            {"position": p, "error": e}
            for p, e in items.failed_sample(session, job_id, RESULTS_SAMPLE)
        ],
    }


def recount(session: Session, job_id: uuid.UUID) -> None:
    """Recompute the counters from the items themselves (repairs drift)."""
    jobs.set_counters(session, job_id, items.count_by_status(session, job_id))


def finalize_stranded(session: Session, limit: int) -> list[Job]:
    """Finalize running fan-out jobs whose items all ended but whose finisher died before
    closing the job (the last outcome and the finalization are separate transactions)."""
    stranded = jobs.stranded_ids(session, limit)
    return [job for job in (finalize_if_done(session, job_id) for job_id in stranded) if job]
