"""Creating, changing and removing schedules: every definition is checked before it is stored.

A schedule is checked as a whole: exactly one timing (``cron`` or ``interval_seconds``), a
valid cron expression and IANA time zone, and a job it could create (known kind and queue,
params that match the kind's contract, by the jobs service's own validation).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import transaction
from conveyor_core.jobs import service as jobs_service
from conveyor_core.models import Schedule
from conveyor_core.schedules import repository
from conveyor_core.schedules.timing import InvalidTiming, Timing, check_cron, zone
from conveyor_core.settings import Settings

TIMING_FIELDS = ("cron", "interval_seconds")


class Overlap(StrEnum):
    ALLOW = "allow"  # a new job every tick
    SKIP = "skip"  # no new job while the previous one is queued or running


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    queue: str | None = None
    priority: int | None = None
    cron: str | None = None
    interval_seconds: int | None = None
    timezone: str = "UTC"
    enabled: bool = True
    overlap: Overlap = Overlap.ALLOW

    @property
    def timing(self) -> Timing:
        return Timing(self.cron, self.interval_seconds, self.timezone)

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleSpec:
        return cls(**{f.name: getattr(schedule, f.name) for f in dataclasses.fields(cls)})


class InvalidSchedule(ValueError):
    """The definition cannot be stored; ``errors`` locate each problem by field."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(e["msg"] for e in errors))
        self.errors = errors


class ScheduleNotFound(LookupError):
    def __init__(self, schedule_id: uuid.UUID) -> None:
        super().__init__(f"schedule {schedule_id} not found")


def _problem(field_name: str, message: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", field_name], "msg": message, "type": kind}


def _check_cron(expression: str | None) -> None:
    if expression is not None:
        check_cron(expression)


def _timing_errors(spec: ScheduleSpec) -> list[dict[str, Any]]:
    if (spec.cron is None) == (spec.interval_seconds is None):
        message = "give exactly one of cron and interval_seconds"
        return [_problem(name, message, "one_timing") for name in TIMING_FIELDS]
    errors = []
    checks: list[tuple[Callable[[Any], object], Any]] = [
        (zone, spec.timezone),
        (_check_cron, spec.cron),
    ]
    for check_one, value in checks:
        try:
            check_one(value)
        except InvalidTiming as error:
            errors.append(_problem(error.field, str(error), f"invalid_{error.field}"))
    return errors


def check(spec: ScheduleSpec, settings: Settings, tenant_id: uuid.UUID) -> None:
    """Raises ``InvalidSchedule``, or the jobs service's ``UnknownKind``, ``UnknownQueue``
    or ``InvalidParams``, when ``spec`` could not be stored."""
    errors = _timing_errors(spec)
    if errors:
        raise InvalidSchedule(errors)
    request = jobs_service.JobRequest(
        kind=spec.kind, params=spec.params, queue=spec.queue, priority=spec.priority
    )
    jobs_service.job_values(request, settings, tenant_id)


def _next_run(spec: ScheduleSpec, now: datetime) -> datetime | None:
    if not spec.enabled:
        return None
    try:
        return spec.timing.next_after(now)
    except InvalidTiming as error:  # a cron expression that never comes round
        raise InvalidSchedule([_problem(error.field, str(error), "invalid_cron")]) from None


def create_schedule(
    sessions: sessionmaker[Session], settings: Settings, tenant_id: uuid.UUID, spec: ScheduleSpec
) -> Schedule:
    check(spec, settings, tenant_id)
    with transaction(sessions) as session:
        values = {**dataclasses.asdict(spec), "overlap": str(spec.overlap)}
        next_run = _next_run(spec, repository.now(session))
        return repository.insert_schedule(
            session, id=uuid.uuid4(), tenant_id=tenant_id, next_run_at=next_run, **values
        )


def _merged(current: ScheduleSpec, changes: dict[str, Any]) -> ScheduleSpec:
    changes = dict(changes)
    for mine, other in (TIMING_FIELDS, TIMING_FIELDS[::-1]):
        # setting one timing replaces the other, unless the change names both
        if changes.get(mine) is not None and other not in changes:
            changes[other] = None
    return dataclasses.replace(current, **changes)


def _reschedules(current: ScheduleSpec, merged: ScheduleSpec) -> bool:
    return merged.timing != current.timing or merged.enabled != current.enabled


def update_schedule(
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant_id: uuid.UUID,
    schedule_id: uuid.UUID,
    changes: dict[str, Any],
) -> Schedule:
    """Apply ``changes`` (the fields a PATCH named); a new timing, a pause or a resume
    recomputes ``next_run_at`` from now, so beat acts on it at its next tick."""
    with transaction(sessions) as session:
        schedule = repository.get_schedule(session, tenant_id, schedule_id, lock=True)
        if schedule is None:
            raise ScheduleNotFound(schedule_id)
        current = ScheduleSpec.of(schedule)
        merged = _merged(current, changes)
        check(merged, settings, tenant_id)
        values = {k: getattr(merged, k) for k in {*changes, *TIMING_FIELDS}}
        if _reschedules(current, merged):
            values["next_run_at"] = _next_run(merged, repository.now(session))
        return repository.update_schedule(session, schedule, **values)


def get_schedule(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID, schedule_id: uuid.UUID
) -> Schedule:
    with sessions() as session:
        schedule = repository.get_schedule(session, tenant_id, schedule_id)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    return schedule


def list_schedules(sessions: sessionmaker[Session], tenant_id: uuid.UUID) -> list[Schedule]:
    with sessions() as session:
        return repository.list_schedules(session, tenant_id)


def delete_schedule(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID, schedule_id: uuid.UUID
) -> None:
    """Removes the schedule; the jobs it created stay."""
    with transaction(sessions) as session:
        if not repository.delete_schedule(session, tenant_id, schedule_id):
            raise ScheduleNotFound(schedule_id)
