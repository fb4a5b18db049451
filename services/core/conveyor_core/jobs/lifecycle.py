"""Operating on an existing job: cancel, retry, reset stuck work, delete, repair progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.orm import Session

from conveyor_core.broker.publishing import Delivery
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.jobs import progress
from conveyor_core.jobs.repository import items, jobs
from conveyor_core.jobs.states import FINISHED, RETRYABLE, Status, can_transition
from conveyor_core.models import Job


class JobNotFound(LookupError):
    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"job {job_id} not found")


class Conflict(Exception):
    """The job's state does not allow the operation."""


def locked_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    job = jobs.lock_job(session, tenant_id, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


@dataclass(frozen=True, slots=True)
class Cancelled:
    job: Job
    # celery task ids of executions that may still be running, and whether to kill them
    revoke: list[str]
    terminate: bool


def cancel(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Cancelled:
    job = locked_job(session, tenant_id, job_id)
    if job.status == Status.CANCELLED:
        return Cancelled(job, [], False)
    if not can_transition(job.status, Status.CANCELLED):
        raise Conflict(f"job {job_id} already finished ({job.status})")
    running = items.cancel_items(session, job_id)
    if job.status == Status.RUNNING and job.celery_task_id:
        running.append(job.celery_task_id)
    jobs.mark_cancelled(session, job)
    terminate = queue_set().policy_or_default(job.queue).terminate_on_cancel
    return Cancelled(job, [t for t in running if t], terminate)


def _deliveries(job: Job, item_ids: list[uuid.UUID]) -> list[Delivery]:
    return [Delivery(job.kind, job.queue, job.priority, job.id, item_id) for item_id in item_ids]


def retry(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> list[Delivery]:
    """Requeue the failed and dead-lettered items, or the job itself when it has none."""
    job = locked_job(session, tenant_id, job_id)
    if job.status == Status.CANCELLED:
        raise Conflict(f"job {job_id} was cancelled")
    item_ids = items.requeue_retryable(session, job_id)
    if item_ids:
        progress.shift(session, job_id, Status.FAILED, Status.QUEUED, len(item_ids))
        jobs.reopen(session, job_id)
        return _deliveries(job, item_ids)
    if job.total_items or job.status not in RETRYABLE:
        raise Conflict(f"job {job_id} has nothing to retry")
    jobs.requeue(session, job_id)
    return [Delivery(job.kind, job.queue, job.priority, job.id)]


def reset_stuck(
    session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID, older_than: timedelta
) -> list[Delivery]:
    """Running items (or a running plain job) whose heartbeat is older than ``older_than`` go
    back to the queue."""
    job = locked_job(session, tenant_id, job_id)
    stale = func.now() - older_than
    item_ids = items.requeue_stale(session, job_id, stale)
    if item_ids:
        progress.shift(session, job_id, Status.RUNNING, Status.QUEUED, len(item_ids))
        return _deliveries(job, item_ids)
    if job.total_items or job.status != Status.RUNNING:
        return []
    if not jobs.requeue_if_stale(session, job_id, stale):
        return []
    return [Delivery(job.kind, job.queue, job.priority, job.id)]


def delete_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    job = locked_job(session, tenant_id, job_id)
    if job.status not in FINISHED:
        raise Conflict(f"job {job_id} is {job.status}; cancel it or wait until it finishes")
    jobs.delete_job(session, job_id)


def refresh_progress(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    locked_job(session, tenant_id, job_id)
    progress.recount(session, job_id)
    progress.finalize_if_done(session, job_id)
    job = jobs.get_job(session, tenant_id, job_id)
    assert job is not None
    session.refresh(job)
    return job
