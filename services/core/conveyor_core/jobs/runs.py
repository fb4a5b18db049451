"""The steps of one run of a task message on its row, for a plain job or one item of a fan-out
job: claim, outcome, retry, fan-out and finalization.

A claim or an item's outcome is one statement that also moves the job's counters (items are
the hot path of a fan-out), so it may run on an autocommit connection; a plain job's steps take
ORM rows, through a session over that connection. The outcome that ends the last item
says so, and the caller then finalizes the job in a transaction of its own; the guard in
``progress.finalize_if_done`` makes that happen exactly once, and the reconciler finalizes a job
whose finisher died in between.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from conveyor_core.db.engine import Executor
from conveyor_core.jobs import progress
from conveyor_core.jobs.repository import hot_path, items, jobs, task_rows
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem


@dataclass(frozen=True, slots=True)
class Target:
    """What one message runs: a job, or an item (``item_id``) of the job ``job_id``."""

    job_id: uuid.UUID
    item_id: uuid.UUID | None = None

    @property
    def model(self) -> task_rows.Row:
        return JobItem if self.item_id else Job

    @property
    def row_id(self) -> uuid.UUID:
        return self.item_id or self.job_id


@dataclass(frozen=True, slots=True)
class Claimed:
    attempts: int  # executions started, this one included
    params: dict[str, Any]  # the job's params
    item_params: dict[str, Any] | None = None
    job: Job | None = None  # the claimed row, for a job's own execution


@contextmanager
def _orm(executor: Executor) -> Iterator[Session]:
    """A session for statements that return ORM rows: the given one, or one over the given
    connection (whose statements commit by themselves)."""
    if isinstance(executor, Session):
        yield executor
        return
    with Session(executor, expire_on_commit=False) as session:
        yield session


def claim(executor: Executor, target: Target, task_id: str, lease_seconds: float) -> Claimed | None:
    if target.item_id is not None:
        row = hot_path.claim_item(executor, target.job_id, target.item_id, task_id, lease_seconds)
        return None if row is None else Claimed(row.attempts, row.job_params, row.params)
    with _orm(executor) as session:
        job = task_rows.claim(session, Job, target.job_id, task_id, lease_seconds)
    assert job is None or isinstance(job, Job)
    return None if job is None else Claimed(job.attempts, job.params, job=job)


@dataclass(frozen=True, slots=True)
class Recorded:
    """An outcome written: the job's progress as it now stands (for announcements)."""

    # the job after its own outcome; None after an item's (read again when announced)
    job: Job | None
    # this outcome ended the job's last item: finalize it
    last_item: bool = False


def finish(
    executor: Executor,
    target: Target,
    task_id: str,
    status: Status,
    *,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> Recorded | None:
    """Record the outcome; ``None`` when the row was no longer ours (cancelled, taken over)."""
    if target.item_id is None:
        with _orm(executor) as session:
            finished = task_rows.finish(
                session, Job, target.job_id, task_id, status, result=result, error=error
            )
        assert finished is None or isinstance(finished, Job)
        return None if finished is None else Recorded(finished)
    counters = hot_path.finish_item(
        executor, target.job_id, target.item_id, task_id, status, result=result, error=error
    )
    if counters is None:
        return None
    ended = counters.succeeded_items + counters.failed_items
    return Recorded(None, last_item=ended >= counters.total_items)


def finalize(session: Session, job_id: uuid.UUID) -> Job | None:
    """Close a fan-out job whose items all ended; ``None`` if another caller already did."""
    return progress.finalize_if_done(session, job_id)


def retry_later(
    session: Session, target: Target, task_id: str, *, delay_seconds: float, error: dict[str, Any]
) -> Recorded | None:
    if target.item_id is not None:
        jobs.lock_job_for_items(session, target.job_id)
    if not task_rows.schedule_retry(
        session, target.model, target.row_id, task_id, delay_seconds=delay_seconds, error=error
    ):
        return None
    if target.item_id is None:
        return Recorded(session.get(Job, target.job_id, populate_existing=True))
    progress.shift(session, target.job_id, Status.RUNNING, Status.QUEUED)
    return Recorded(None)


def fan_out(
    session: Session, job_id: uuid.UUID, task_id: str, item_params: list[dict[str, Any]]
) -> list[uuid.UUID]:
    """Create every item of a claimed fan-out job in bulk; the job stays running, without a
    lease of its own (its items carry the leases) until its last item ends."""
    ids = items.insert_items(session, job_id, item_params)
    if not jobs.start_fan_out(session, job_id, task_id, len(ids)):
        raise LookupError(f"job {job_id} is no longer claimed by {task_id}")
    return ids


def report_progress(
    executor: Executor,
    job_id: uuid.UUID,
    task_id: str,
    percent: float,
    message: str | None,
) -> Job | None:
    """A running job's progress; ``None`` when the execution no longer holds the job."""
    with _orm(executor) as session:
        return jobs.report_progress(session, job_id, task_id, percent, message)


def tenant_of(executor: Executor, job_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    with _orm(executor) as session:
        found = jobs.tenant_of(session, job_id)
    if found is None:
        raise LookupError(f"job {job_id} not found")
    return found
