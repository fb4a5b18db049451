"""The aggregates the api's metrics read from PostgreSQL on a scrape.

Only statuses that call for attention are counted: queued and running use their partial
indexes, dead letters are few by construction.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem

WATCHED = (Status.QUEUED, Status.RUNNING, Status.DEAD_LETTERED)
STATEMENT_TIMEOUT_MS = 2000  # a slow scrape must not hold a connection


def _bounded(session: Session) -> None:
    session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))


def jobs_by_queue_and_status(session: Session) -> list[tuple[str, str, int]]:
    _bounded(session)
    rows = session.execute(
        select(Job.queue, Job.status, func.count())
        .where(Job.status.in_([s.value for s in WATCHED]))
        .group_by(Job.queue, Job.status)
    )
    return [(queue, status, int(count)) for queue, status, count in rows]


def items_by_status(session: Session) -> list[tuple[str, int]]:
    _bounded(session)
    rows = session.execute(
        select(JobItem.status, func.count())
        .where(JobItem.status.in_([s.value for s in WATCHED]))
        .group_by(JobItem.status)
    )
    return [(status, int(count)) for status, count in rows]
