"""Statements on a task row, a job or an item alike: its claim, lease, outcome and retry."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.orm import Session

from conveyor_core.broker.publishing import Delivery
from conveyor_core.db.engine import Executor
from conveyor_core.jobs.states import CLAIMABLE, Status, within
from conveyor_core.models import Job, JobItem

Row = type[Job] | type[JobItem]
OWNED = frozenset({Status.RUNNING})  # a row an execution holds


def now_plus(seconds: float) -> ColumnElement[Any]:
    return func.now() + timedelta(seconds=seconds)


def status_in(model: Row, statuses: list[Status]) -> ColumnElement[bool]:
    """``status IN (...)``; ``=`` for one status, the form the partial indexes' predicates use."""
    if len(statuses) == 1:
        return model.status == statuses[0]
    return model.status.in_(statuses)


def _owned(model: Row, row_id: uuid.UUID, task_id: str, *targets: Status) -> ColumnElement[bool]:
    """The row as claimed by this execution: a stale or cancelled execution matches nothing."""
    return (
        (model.id == row_id)
        & status_in(model, within(OWNED, *targets))
        & (model.celery_task_id == task_id)
    )


def mark_published(session: Session, model: Row, ids: list[uuid.UUID]) -> None:
    if not ids:
        return
    session.execute(
        update(model)
        .where(model.id.in_(ids), model.status == Status.QUEUED)
        .values(published_at=func.now())
    )


def mark_deliveries_published(session: Session, deliveries: list[Delivery]) -> None:
    mark_published(session, Job, [d.job_id for d in deliveries if d.item_id is None])
    mark_published(session, JobItem, [d.item_id for d in deliveries if d.item_id is not None])


def claim(
    session: Session, model: Row, row_id: uuid.UUID, task_id: str, lease_seconds: float
) -> Job | JobItem | None:
    """Take a queued row for one execution; ``None`` if it is claimed, finished or not due."""
    statement = (
        update(model)
        .where(
            model.id == row_id,
            status_in(model, within(CLAIMABLE, Status.RUNNING)),
            model.due_at <= func.now(),
        )
        .values(
            status=Status.RUNNING,
            attempts=model.attempts + 1,
            deliveries=model.deliveries + 1,
            celery_task_id=task_id,
            started_at=func.coalesce(model.started_at, func.now()),
            heartbeat_at=func.now(),
            lease_expires_at=now_plus(lease_seconds),
        )
        .returning(model)
    )
    return cast("Job | JobItem | None", session.scalars(statement).one_or_none())


def heartbeat(
    executor: Executor, model: Row, row_id: uuid.UUID, task_id: str, lease_seconds: float
) -> bool:
    result = executor.execute(
        update(model)
        .where(_owned(model, row_id, task_id))
        .values(heartbeat_at=func.now(), lease_expires_at=now_plus(lease_seconds))
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
) -> Job | JobItem | None:
    """Record the outcome of this execution; returns the row as it now stands, or ``None``
    when it is no longer ours."""
    statement = (
        update(model)
        .where(_owned(model, row_id, task_id, status))
        .values(
            status=status,
            result=result,
            error=error,
            deliveries=0,
            finished_at=func.now(),
            lease_expires_at=None,
        )
        .returning(model)
    )
    row = session.scalars(statement, execution_options={"populate_existing": True})
    return cast("Job | JobItem | None", row.one_or_none())


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
        .where(_owned(model, row_id, task_id, Status.QUEUED))
        .values(
            status=Status.QUEUED,
            error=error,
            deliveries=0,
            due_at=now_plus(delay_seconds),
            published_at=None,
            lease_expires_at=None,
        )
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]
