"""The job API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor_core.models import Job
from conveyor_core.queues import MAX_PRIORITY, MIN_PRIORITY


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
            ),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )
