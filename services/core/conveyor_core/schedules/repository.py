"""Every SQL statement about schedules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conveyor_core.jobs.states import FINISHED
from conveyor_core.models import Job, Schedule

NAME_CONSTRAINT = "uq_schedules_tenant_id"


class DuplicateName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"a schedule named {name!r} already exists")
        self.name = name


def now(session: Session) -> datetime:
    return session.scalar(select(func.now()))  # type: ignore[return-value]


def insert_schedule(session: Session, **values: Any) -> Schedule:
    statement = (
        insert(Schedule)
        .values(**values)
        .on_conflict_do_nothing(constraint=NAME_CONSTRAINT)
        .returning(Schedule)
    )
    schedule = session.scalars(statement).one_or_none()
    if schedule is None:
        raise DuplicateName(values["name"])
    return schedule


def get_schedule(
    session: Session, tenant_id: uuid.UUID, schedule_id: uuid.UUID, *, lock: bool = False
) -> Schedule | None:
    query = select(Schedule).where(Schedule.id == schedule_id, Schedule.tenant_id == tenant_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def list_schedules(session: Session, tenant_id: uuid.UUID) -> list[Schedule]:
    query = select(Schedule).where(Schedule.tenant_id == tenant_id).order_by(Schedule.name)
    return list(session.scalars(query))


def update_schedule(session: Session, schedule: Schedule, **values: Any) -> Schedule:
    statement = (
        update(Schedule)
        .where(Schedule.id == schedule.id)
        .values(**values, updated_at=func.now())
        .returning(Schedule)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    try:
        return session.scalars(statement).one()
    except IntegrityError as error:
        if NAME_CONSTRAINT in str(error.orig):
            raise DuplicateName(values.get("name", schedule.name)) from None
        raise


def delete_schedule(session: Session, tenant_id: uuid.UUID, schedule_id: uuid.UUID) -> bool:
    statement = delete(Schedule).where(Schedule.id == schedule_id, Schedule.tenant_id == tenant_id)
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def lock_due(session: Session, limit: int) -> list[Schedule]:
    """Enabled schedules whose tick is due, locked (SKIP LOCKED) until the caller commits:
    two beats never fire the same schedule at once."""
    return list(
        session.scalars(
            select(Schedule)
            .where(
                Schedule.enabled.is_(True),
                func.coalesce(Schedule.next_run_at, func.now()) <= func.now(),
            )
            .order_by(Schedule.next_run_at.nulls_first())
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def advance(session: Session, schedule: Schedule, next_run: datetime) -> None:
    session.execute(update(Schedule).where(Schedule.id == schedule.id).values(next_run_at=next_run))


def pause(session: Session, schedule: Schedule) -> None:
    session.execute(
        update(Schedule)
        .where(Schedule.id == schedule.id)
        .values(enabled=False, next_run_at=None, updated_at=func.now())
    )


def record_run(session: Session, schedule: Schedule, ran_at: datetime, job_id: uuid.UUID) -> None:
    session.execute(
        update(Schedule)
        .where(Schedule.id == schedule.id)
        .values(last_run_at=ran_at, last_job_id=job_id)
    )


def previous_job_unfinished(session: Session, schedule: Schedule) -> bool:
    """Whether the schedule's last job is still queued or running (a deleted one is not)."""
    if schedule.last_job_id is None:
        return False
    status = session.scalar(select(Job.status).where(Job.id == schedule.last_job_id))
    return status is not None and status not in FINISHED
