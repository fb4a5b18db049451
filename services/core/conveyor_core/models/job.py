from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, column_property, mapped_column
from sqlalchemy.types import TypeDecorator

from conveyor_core.db.base import Base, CreatedAt
from conveyor_core.jobs.states import Status

PROGRESS_MESSAGE_LENGTH = 500
STATUS_VALUES = ", ".join(f"'{s}'" for s in Status)


class StatusType(TypeDecorator[Status]):
    """A status as the column holds it (a short string, checked) and as Python reads it."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Status | str | None, dialect: Dialect) -> str | None:
        return None if value is None else Status(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Status | None:
        return None if value is None else Status(value)


def task_row_table_args(table: str) -> tuple[CheckConstraint | Index, ...]:
    """What every task row's table holds: its status check, and the indexes the reconciler
    scans (queued rows coming due, running rows whose lease ran out)."""
    return (
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="status"),
        Index(f"ix_{table}_queued_due", "due_at", postgresql_where=text("status = 'queued'")),
        Index(
            f"ix_{table}_running_lease",
            "lease_expires_at",
            postgresql_where=text("status = 'running'"),
        ),
    )


class TaskRow(CreatedAt):
    """Columns shared by every row that runs as one Celery task: a job or one of its items."""

    status: Mapped[Status] = mapped_column(StatusType(), server_default=Status.QUEUED.value)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # executions started; deliveries counts the consecutive ones that died without an outcome
    attempts: Mapped[int] = mapped_column(server_default="0")
    deliveries: Mapped[int] = mapped_column(server_default="0")
    celery_task_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
    published_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class JobItem(TaskRow, Base):
    """One unit of a fan-out job (one unit x month of a backfill), run as its own task."""

    __tablename__ = "job_items"
    __table_args__ = (
        *task_row_table_args("job_items"),
        Index("uq_job_items_job_position", "job_id", "position", unique=True),
        Index("ix_job_items_job_status", "job_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    position: Mapped[int]


class Job(TaskRow, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        *task_row_table_args("jobs"),
        CheckConstraint("priority BETWEEN 0 AND 9", name="priority"),
        Index("ix_jobs_tenant_created", "tenant_id", text("created_at DESC"), text("id DESC")),
        Index(
            "uq_jobs_tenant_idempotency_key",
            "tenant_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(SmallInteger)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    total_items: Mapped[int] = mapped_column(server_default="0")
    # a fan-out's items not yet ended (queued or running): an item's claim leaves the job's row
    # alone, so thousands of claims do not queue on one row lock; how many of them run is
    # counted from the items as the job is selected (an index probe of (job_id, status))
    unfinished_items: Mapped[int] = mapped_column(server_default="0")
    running_count: Mapped[int] = column_property(
        select(func.count())
        .where(JobItem.job_id == id, JobItem.status == Status.RUNNING.value)
        .correlate_except(JobItem)
        .scalar_subquery(),
        expire_on_flush=False,
    )
    succeeded_items: Mapped[int] = mapped_column(server_default="0")
    failed_items: Mapped[int] = mapped_column(server_default="0")
    finalized_at: Mapped[datetime | None]
    # what a plain job's task last reported through ctx.progress (a fan-out counts its items)
    progress_percent: Mapped[float | None]
    progress_message: Mapped[str | None] = mapped_column(String(PROGRESS_MESSAGE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), onupdate=text("now()")
    )

    @property
    def running_items(self) -> int:
        # a job with no items yet (just inserted, or not a fan-out) has none to count
        return self.running_count if self.total_items else 0

    @property
    def queued_items(self) -> int:
        return self.unfinished_items - self.running_items

    @property
    def percent(self) -> float:
        """How far the job is, 0 to 100: a fan-out's ended items, a plain job's report."""
        if self.total_items:
            ended = self.succeeded_items + self.failed_items
            return round(100.0 * ended / self.total_items, 1)
        if self.status == Status.SUCCEEDED:
            return 100.0
        return self.progress_percent or 0.0
