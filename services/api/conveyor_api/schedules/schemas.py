"""The schedule API's request and response bodies. Strict: a bool is no number, "5" no int."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from conveyor_core.broker.queues import MAX_PRIORITY, MIN_PRIORITY
from conveyor_core.models import Schedule

MAX_INTERVAL_SECONDS = 366 * 24 * 3600  # a year: beyond that, a cron expression says it better
STRICT = ConfigDict(extra="forbid", strict=True)

Name = Annotated[str, Field(min_length=1, max_length=100, examples=["nightly-report"])]
Kind = Annotated[str, Field(min_length=1, max_length=100, examples=["diag.echo"])]
Params = Annotated[dict[str, Any], Field(examples=[{"message": "hello"}])]
Queue = Annotated[str | None, Field(max_length=32, description="Overrides the kind's queue.")]
Priority = Annotated[
    int | None,
    Field(ge=MIN_PRIORITY, le=MAX_PRIORITY, description="0 (lowest) to 9; 5 when omitted."),
]
Cron = Annotated[
    str | None,
    Field(
        max_length=100,
        description="Five fields (minute hour day month weekday), read in `timezone`.",
        examples=["30 2 * * *"],
    ),
]
Interval = Annotated[
    int | None, Field(ge=1, le=MAX_INTERVAL_SECONDS, description="Seconds between runs.")
]
Timezone = Annotated[str, Field(max_length=64, description="An IANA name.", examples=["UTC"])]
Overlap = Annotated[
    Literal["allow", "skip"],
    Field(description="`skip`: no new job while the previous one is queued or running."),
]


class ScheduleCreate(BaseModel):
    """Exactly one of `cron` and `interval_seconds`."""

    model_config = STRICT

    name: Name
    kind: Kind
    params: Params = Field(default_factory=dict)
    queue: Queue = None
    priority: Priority = None
    cron: Cron = None
    interval_seconds: Interval = None
    timezone: Timezone = "UTC"
    enabled: bool = True
    overlap: Overlap = "allow"


class ScheduleChange(BaseModel):
    """Only the fields to change. Setting `cron` clears `interval_seconds`, and the other
    way round; a new timing, a pause or a resume recomputes `next_run_at`."""

    model_config = STRICT

    # defaults are never validated: these are optional, yet an explicit null is refused
    name: Name = None  # type: ignore[assignment]
    kind: Kind = None  # type: ignore[assignment]
    params: Params = None  # type: ignore[assignment]
    queue: Queue = None
    priority: Priority = None
    cron: Cron = None
    interval_seconds: Interval = None
    timezone: Timezone = None  # type: ignore[assignment]
    enabled: bool = None  # type: ignore[assignment]
    overlap: Overlap = None  # type: ignore[assignment]

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ScheduleOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    params: dict[str, Any]
    queue: str | None
    priority: int | None
    cron: str | None
    interval_seconds: int | None
    timezone: str
    enabled: bool
    overlap: str
    next_run_at: datetime | None = Field(
        description="When beat creates the next job; null when paused."
    )
    last_run_at: datetime | None
    last_job_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleOut:
        return cls.model_validate({name: getattr(schedule, name) for name in cls.model_fields})


class ScheduleList(BaseModel):
    items: list[ScheduleOut]
