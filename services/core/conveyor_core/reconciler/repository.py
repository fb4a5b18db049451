"""The reconciler's queries: queued rows without a live message, running rows whose lease ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Case, case, func, or_, select, update
from sqlalchemy.orm import Session

from conveyor_core.jobs import progress
from conveyor_core.jobs import repository as jobs_repository
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem
from conveyor_core.publishing import Delivery
from conveyor_core.queues import Queue, policy_for


@dataclass(frozen=True, slots=True)
class Thresholds:
    publish_grace_seconds: float
    republish_after_seconds: float
    batch_size: int


def unpublished_jobs(session: Session, thresholds: Thresholds) -> list[Delivery]:
    """Queued, due jobs whose message was never sent, or was sent long ago and never claimed.

    Rows are locked (SKIP LOCKED) until the caller commits, so two reconcilers never
    resend the same row at once.
    """
    now = func.now()
    statement = (
        select(Job.id, Job.kind, Job.queue, Job.priority)
        .where(
            Job.status == Status.QUEUED,
            Job.due_at <= now - timedelta(seconds=thresholds.publish_grace_seconds),
            or_(
                Job.published_at.is_(None),
                Job.published_at < now - timedelta(seconds=thresholds.republish_after_seconds),
            ),
        )
        .order_by(Job.due_at)
        .limit(thresholds.batch_size)
        .with_for_update(skip_locked=True)
    )
    return [
        Delivery(kind=r.kind, queue=r.queue, priority=r.priority, job_id=r.id)
        for r in session.execute(statement)
    ]


def _max_deliveries_by_queue() -> Case[int]:
    return case(
        *((Job.queue == str(q), policy_for(q).max_deliveries) for q in Queue),
        else_=policy_for(Queue.DEFAULT).max_deliveries,
    )


def release_expired_leases(session: Session) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Running jobs whose heartbeat stopped go back to queued, or to dead_lettered when they
    already died ``max_deliveries`` times. Returns (requeued ids, dead-lettered ids)."""
    poisoned = Job.deliveries >= _max_deliveries_by_queue()
    statement = (
        update(Job)
        .where(Job.status == Status.RUNNING, Job.lease_expires_at < func.now())
        .values(
            status=case((poisoned, Status.DEAD_LETTERED.value), else_=Status.QUEUED.value),
            finished_at=case((poisoned, func.now()), else_=None),
            error=case((poisoned, _dead_letter_error(Job)), else_=Job.error),
            published_at=None,
            lease_expires_at=None,
        )
        .returning(Job.id, Job.status)
    )
    rows = session.execute(statement).all()
    requeued = [r.id for r in rows if r.status == Status.QUEUED]
    dead = [r.id for r in rows if r.status == Status.DEAD_LETTERED]
    return requeued, dead


def unpublished_items(session: Session, thresholds: Thresholds) -> list[Delivery]:
    """The same as ``unpublished_jobs``, for items of running fan-out jobs."""
    now = func.now()
    statement = (
        select(JobItem.id, JobItem.job_id, Job.kind, Job.queue, Job.priority)
        .join(Job, Job.id == JobItem.job_id)
        .where(
            JobItem.status == Status.QUEUED,
            Job.status == Status.RUNNING,
            JobItem.due_at <= now - timedelta(seconds=thresholds.publish_grace_seconds),
            or_(
                JobItem.published_at.is_(None),
                JobItem.published_at < now - timedelta(seconds=thresholds.republish_after_seconds),
            ),
        )
        .order_by(JobItem.due_at)
        .limit(thresholds.batch_size)
        .with_for_update(of=JobItem, skip_locked=True)
    )
    return [
        Delivery(kind=r.kind, queue=r.queue, priority=r.priority, job_id=r.job_id, item_id=r.id)
        for r in session.execute(statement)
    ]


def release_expired_item_leases(session: Session, limit: int) -> tuple[int, int, list[Job]]:
    """Items whose heartbeat stopped: requeued, or dead-lettered after ``max_deliveries``
    deaths, moving their job's counters. Returns (requeued, dead-lettered, finalized jobs).

    Each job's row is locked before its items (the lock order of ``jobs.repository``), jobs in
    id order so two reconcilers never wait on each other in a cycle; an item is changed only if
    it is still expired once its job is locked."""
    expired = session.execute(
        select(JobItem.id, JobItem.job_id, Job.queue)
        .join(Job, Job.id == JobItem.job_id)
        .where(JobItem.status == Status.RUNNING, JobItem.lease_expires_at < func.now())
        .order_by(JobItem.job_id)
        .limit(limit)
    ).all()
    requeued = dead = 0
    finalized: list[Job] = []
    locked: set[uuid.UUID] = set()
    for row in expired:
        if row.job_id not in locked:
            jobs_repository.lock_job_for_items(session, row.job_id)
            locked.add(row.job_id)
        max_deliveries = policy_for(Queue(row.queue)).max_deliveries
        poisoned = JobItem.deliveries >= max_deliveries
        target = session.scalar(
            update(JobItem)
            .where(
                JobItem.id == row.id,
                JobItem.status == Status.RUNNING,
                JobItem.lease_expires_at < func.now(),
            )
            .values(
                status=case((poisoned, Status.DEAD_LETTERED.value), else_=Status.QUEUED.value),
                published_at=None,
                lease_expires_at=None,
                finished_at=case((poisoned, func.now()), else_=None),
                error=case((poisoned, _dead_letter_error(JobItem)), else_=JobItem.error),
            )
            .returning(JobItem.status)
        )
        if target is None:  # its execution came back, or someone reset it, meanwhile
            continue
        progress.shift(session, row.job_id, Status.RUNNING, Status(target))
        if target == Status.DEAD_LETTERED:
            dead += 1
            job = progress.finalize_if_done(session, row.job_id)
            if job is not None:
                finalized.append(job)
        else:
            requeued += 1
    return requeued, dead, finalized


def _dead_letter_error(model: type[Job] | type[JobItem]) -> Any:
    return func.jsonb_build_object(
        "type",
        "DeadLettered",
        "message",
        "the task died without an outcome on every delivery",
        "last_error",
        model.error,
    )
