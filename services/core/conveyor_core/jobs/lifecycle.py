"""Operating on an existing job: cancel, retry, reset stuck work, delete, repair progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from conveyor_core.jobs import progress, repository
from conveyor_core.jobs.states import FINISHED, RETRYABLE, Status
from conveyor_core.models import Job, JobItem
from conveyor_core.publishing import Delivery
from conveyor_core.queues import Queue, policy_for


class JobNotFound(LookupError):
    def __init__(self, job_id: uuid.UUID) -> None:
        super().__init__(f"job {job_id} not found")


class Conflict(Exception):
    """The job's state does not allow the operation."""


def locked_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    job = session.scalars(
        select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id).with_for_update()
    ).one_or_none()
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
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} already finished ({job.status})")
    running = list(
        session.scalars(
            update(JobItem)
            .where(JobItem.job_id == job_id, JobItem.status.in_([Status.QUEUED, Status.RUNNING]))
            .values(status=Status.CANCELLED, finished_at=func.now(), lease_expires_at=None)
            .returning(JobItem.celery_task_id)
        )
    )
    if job.status == Status.RUNNING and job.celery_task_id:
        running.append(job.celery_task_id)
    job.status = Status.CANCELLED
    job.finished_at = func.now()
    job.lease_expires_at = None
    job.unfinished_items = 0
    session.flush()
    session.refresh(job)
    terminate = policy_for(Queue(job.queue)).terminate_on_cancel
    return Cancelled(job, [t for t in running if t], terminate)


def _deliveries(job: Job, item_ids: list[uuid.UUID]) -> list[Delivery]:
    return [Delivery(job.kind, job.queue, job.priority, job.id, item_id) for item_id in item_ids]


# a row sent back to the queue by a retry: due now, unsent, with a fresh delivery count
REQUEUED = {
    "status": Status.QUEUED,
    "deliveries": 0,
    "due_at": func.now(),
    "published_at": None,
    "finished_at": None,
}


def retry(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> list[Delivery]:
    """Requeue the failed and dead-lettered items, or the job itself when it has none."""
    job = locked_job(session, tenant_id, job_id)
    if job.status == Status.CANCELLED:
        raise Conflict(f"job {job_id} was cancelled")
    item_ids = list(
        session.scalars(
            update(JobItem)
            .where(JobItem.job_id == job_id, JobItem.status.in_(RETRYABLE))
            .values(**REQUEUED)
            .returning(JobItem.id)
        )
    )
    if item_ids:
        progress.shift(session, job_id, Status.FAILED, Status.QUEUED, len(item_ids))
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=Status.RUNNING, finished_at=None, finalized_at=None, result=None)
        )
        return _deliveries(job, item_ids)
    if job.total_items or job.status not in RETRYABLE:
        raise Conflict(f"job {job_id} has nothing to retry")
    session.execute(update(Job).where(Job.id == job_id).values(**REQUEUED))
    return [Delivery(job.kind, job.queue, job.priority, job.id)]


def reset_stuck(
    session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID, older_than: timedelta
) -> list[Delivery]:
    """Running items (or a running plain job) whose heartbeat is older than ``older_than`` go
    back to the queue."""
    job = locked_job(session, tenant_id, job_id)
    stale = func.now() - older_than
    item_ids = list(
        session.scalars(
            update(JobItem)
            .where(
                JobItem.job_id == job_id,
                JobItem.status == Status.RUNNING,
                JobItem.heartbeat_at < stale,
            )
            .values(status=Status.QUEUED, published_at=None, lease_expires_at=None)
            .returning(JobItem.id)
        )
    )
    if item_ids:
        progress.shift(session, job_id, Status.RUNNING, Status.QUEUED, len(item_ids))
        return _deliveries(job, item_ids)
    if job.total_items or job.status != Status.RUNNING:
        return []
    reset = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == Status.RUNNING, Job.heartbeat_at < stale)
        .values(status=Status.QUEUED, published_at=None, lease_expires_at=None)
        .returning(Job.id)
    ).first()
    return [Delivery(job.kind, job.queue, job.priority, job.id)] if reset else []


def delete_job(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> None:
    job = locked_job(session, tenant_id, job_id)
    if job.status not in FINISHED:
        raise Conflict(f"job {job_id} is {job.status}; cancel it or wait until it finishes")
    session.execute(delete(Job).where(Job.id == job_id))  # items go by ON DELETE CASCADE


def refresh_progress(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    locked_job(session, tenant_id, job_id)
    progress.recount(session, job_id)
    progress.finalize_if_done(session, job_id)
    job = repository.get_job(session, tenant_id, job_id)
    assert job is not None
    session.refresh(job)
    return job
