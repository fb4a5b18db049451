"""The Celery-side view of a job: its tasks counted by the states Celery users know."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from conveyor_core.jobs.repository import items
from conveyor_core.jobs.states import FINISHED, Status
from conveyor_core.models import Job

CELERY_STATES = ("PENDING", "STARTED", "PROGRESS", "RETRY", "SUCCESS", "FAILURE", "REVOKED")


def _state(status: str, waiting_retry: bool) -> str:
    if status == Status.QUEUED:
        return "RETRY" if waiting_retry else "PENDING"
    return {
        Status.RUNNING: "STARTED",
        Status.SUCCEEDED: "SUCCESS",
        Status.FAILED: "FAILURE",
        Status.DEAD_LETTERED: "FAILURE",
        Status.CANCELLED: "REVOKED",
    }[Status(status)]


def celery_status(session: Session, job: Job) -> dict[str, Any]:
    counts = dict.fromkeys(CELERY_STATES, 0)
    if job.total_items:
        for status, retrying, count in items.count_by_status_and_retry(session, job.id):
            counts[_state(status, retrying)] += count
        done = job.succeeded_items + job.failed_items
        percent = round(100 * done / job.total_items, 2)
    else:
        counts[_state(job.status, job.attempts > 0)] = 1
        percent = 100.0 if job.status in FINISHED else 0.0
    return {
        "job_id": str(job.id),
        "states": counts,
        "total": sum(counts.values()),
        "ready": job.status in FINISHED,
        "progress_percent": percent,
    }
