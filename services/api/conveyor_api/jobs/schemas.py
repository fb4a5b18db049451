"""The job API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor_api.artifacts.schemas import ArtifactOut
from conveyor_core.broker.queues import MAX_PRIORITY, MIN_PRIORITY
from conveyor_core.models import Job, JobItem

MAX_BATCH_JOBS = 10_000


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=100, examples=["diag.echo"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"message": "hello"}])
    queue: str | None = Field(default=None, description="Overrides the kind's queue.")
    priority: int | None = Field(
        default=None,
        ge=MIN_PRIORITY,
        le=MAX_PRIORITY,
        description="0 (lowest) to 9 (most urgent); 5 when omitted.",
    )


class Progress(BaseModel):
    total: int
    queued: int
    running: int
    succeeded: int
    failed: int
    percent: float = Field(
        description="0 to 100: a fan-out's ended items, or what a plain job's task reported "
        "(100 once it succeeded)."
    )
    message: str | None = Field(description="The task's last progress message, if any.")


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str
    queue: str
    priority: int
    status: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    progress: Progress
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            queue=job.queue,
            priority=job.priority,
            status=job.status,
            params=job.params,
            result=job.result,
            error=job.error,
            attempts=job.attempts,
            progress=Progress(
                total=job.total_items,
                queued=job.queued_items,
                running=job.running_items,
                succeeded=job.succeeded_items,
                failed=job.failed_items,
                percent=job.percent,
                message=job.progress_message,
            ),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class JobDetail(JobOut):
    artifacts: list[ArtifactOut] = Field(description="Files the job's tasks wrote.")


class JobBatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs: list[JobCreate] = Field(min_length=1, max_length=MAX_BATCH_JOBS)


class JobList(BaseModel):
    items: list[JobOut]
    next_cursor: str | None


class JobItemOut(BaseModel):
    id: uuid.UUID
    position: int
    status: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None

    @classmethod
    def of(cls, item: JobItem) -> JobItemOut:
        return cls(
            id=item.id,
            position=item.position,
            status=item.status,
            params=item.params,
            result=item.result,
            error=item.error,
            attempts=item.attempts,
            started_at=item.started_at,
            finished_at=item.finished_at,
            heartbeat_at=item.heartbeat_at,
        )


class JobItemList(BaseModel):
    items: list[JobItemOut]
    next_cursor: str | None


class CeleryStatus(BaseModel):
    job_id: uuid.UUID
    states: dict[str, int]
    total: int
    ready: bool
    progress_percent: float


class Requeued(BaseModel):
    job: JobOut
    requeued: int
