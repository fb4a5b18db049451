"""Read queries behind the job listings: filters and keyset (cursor) pagination."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from conveyor_core.models import Job, JobItem


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class JobFilter:
    status: str | None = None
    kind: str | None = None
    queue: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    id_prefix: str | None = None  # hex digits the id starts with (dashes ignored)


def encode_job_cursor(job: Job) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def id_range(prefix: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The smallest and largest ids starting with ``prefix``: a range the primary key serves."""
    digits = prefix.replace("-", "").lower()
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


def _decode_job_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, job_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(job_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("the cursor is not one this API returned") from error


def list_jobs(
    session: Session, tenant_id: uuid.UUID, where: JobFilter, limit: int, cursor: str | None
) -> tuple[list[Job], str | None]:
    """Newest first; returns the page and the cursor of the next one (``None`` at the end)."""
    statement = select(Job).where(Job.tenant_id == tenant_id)
    for column, value in (
        (Job.status, where.status),
        (Job.kind, where.kind),
        (Job.queue, where.queue),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if where.created_after is not None:
        statement = statement.where(Job.created_at >= where.created_after)
    if where.created_before is not None:
        statement = statement.where(Job.created_at < where.created_before)
    if where.id_prefix is not None:
        statement = statement.where(Job.id.between(*id_range(where.id_prefix)))
    if cursor is not None:
        created, job_id = _decode_job_cursor(cursor)
        statement = statement.where(
            or_(Job.created_at < created, and_(Job.created_at == created, Job.id < job_id))
        )
    rows = list(
        session.scalars(statement.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1))
    )
    page = rows[:limit]
    return page, encode_job_cursor(page[-1]) if len(rows) > limit else None


def list_items(
    session: Session, job_id: uuid.UUID, status: str | None, limit: int, cursor: str | None
) -> tuple[list[JobItem], str | None]:
    """In position order; the cursor is the last position seen."""
    statement = select(JobItem).where(JobItem.job_id == job_id)
    if status is not None:
        statement = statement.where(JobItem.status == status)
    if cursor is not None:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidCursor("the cursor is not one this API returned") from error
        statement = statement.where(JobItem.position > after)
    rows = list(session.scalars(statement.order_by(JobItem.position).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = (
        base64.urlsafe_b64encode(str(page[-1].position).encode()).decode()
        if len(rows) > limit
        else None
    )
    return page, next_cursor
