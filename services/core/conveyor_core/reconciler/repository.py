"""The reconciler's queries: queued rows without a live message, running rows whose lease ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Case, case, func, or_, select, update
from sqlalchemy.orm import Session

from conveyor_core.broker.publishing import Delivery
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import Queue
from conveyor_core.jobs.repository.task_rows import status_in
from conveyor_core.jobs.states import Status, within
from conveyor_core.models import Job, JobItem

# a running row whose lease expired goes back to the queue, or is dead-lettered
RELEASED_TO = (Status.QUEUED, Status.DEAD_LETTERED)


@dataclass(frozen=True, slots=True)
class Thresholds:
    publish_grace_seconds: float
    batch_size: int
    # the start of the broker's epoch (conveyor_core.broker.epoch): a message published before
    # it went with the data Redis lost
    epoch: datetime


def unpublished_jobs(session: Session, thresholds: Thresholds) -> list[Delivery]:
    """Queued, due jobs whose message was never sent, or was sent into data the broker has
    lost since (before its epoch began). A row whose message waits in a long queue is not one.

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
                Job.published_at < thresholds.epoch,
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


def database_now(session: Session) -> datetime:
    """PostgreSQL's clock: the one ``published_at`` is written with."""
    now = session.scalar(select(func.now()))
    assert isinstance(now, datetime)
    return now


def _max_deliveries_by_queue() -> Case[int]:
    queues = queue_set()
    return case(
        *((Job.queue == name, queues.policy(name).max_deliveries) for name in queues),
        else_=queues.policy(Queue.DEFAULT).max_deliveries,
    )


def release_expired_leases(session: Session) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Running jobs whose heartbeat stopped go back to queued, or to dead_lettered when they
    already died ``max_deliveries`` times. Returns (requeued ids, dead-lettered ids)."""
    poisoned = Job.deliveries >= _max_deliveries_by_queue()
    statement = (
        update(Job)
        .where(
            status_in(Job, within({Status.RUNNING}, *RELEASED_TO)),
            Job.lease_expires_at < func.now(),
        )
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
                JobItem.published_at < thresholds.epoch,
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


class ExpiredItem(NamedTuple):
    id: uuid.UUID
    job_id: uuid.UUID
    queue: str


def expired_items(session: Session, limit: int) -> list[ExpiredItem]:
    """Running items whose heartbeat stopped, in job order (the caller locks each job once)."""
    rows = session.execute(
        select(JobItem.id, JobItem.job_id, Job.queue)
        .join(Job, Job.id == JobItem.job_id)
        .where(JobItem.status == Status.RUNNING, JobItem.lease_expires_at < func.now())
        .order_by(JobItem.job_id)
        .limit(limit)
    )
    return [ExpiredItem(*row) for row in rows]


def release_item_lease(session: Session, item_id: uuid.UUID, max_deliveries: int) -> Status | None:
    """Requeue an expired item, or dead-letter it after ``max_deliveries`` deaths; returns its
    new status, or ``None`` if it is no longer expired (its execution came back, or someone
    reset it, meanwhile)."""
    poisoned = JobItem.deliveries >= max_deliveries
    return session.scalar(
        update(JobItem)
        .where(
            JobItem.id == item_id,
            status_in(JobItem, within({Status.RUNNING}, *RELEASED_TO)),
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


def _dead_letter_error(model: type[Job] | type[JobItem]) -> Any:
    return func.jsonb_build_object(
        "type",
        "DeadLettered",
        "message",
        "the task died without an outcome on every delivery",
        "last_error",
        model.error,
    )
