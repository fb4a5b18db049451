"""One pass of beat's firing, called in process against real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import transaction
from conveyor_core.models import Schedule
from conveyor_core.schedules import firing
from conveyor_core.settings import Settings
from tests.factories import make_schedule
from tests.schedules.fired import jobs_of


@pytest.fixture
def fire(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Any]:
    app = create_celery_app(settings, "conveyor.tests")
    yield lambda: firing.fire_due(sessions, Publisher(app), settings)
    app.close()


def _row(sessions: sessionmaker[Session], schedule: Schedule) -> Schedule:
    with sessions() as session:
        return session.scalars(select(Schedule).where(Schedule.id == schedule.id)).one()


def _now(sessions: sessionmaker[Session]) -> Any:
    with sessions() as session:
        return session.scalar(text("SELECT now()"))


def test_a_stored_timing_beat_cannot_read_pauses_that_schedule_only(
    fire: Any, sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    broken = make_schedule(sessions, tenant_id=tenant_id, cron="0 * * * *", timezone="Nowhere/Land")
    healthy = make_schedule(sessions, tenant_id=tenant_id, interval_seconds=60)
    assert fire() == 1
    assert len(jobs_of(sessions, str(healthy.id))) == 1
    assert _row(sessions, broken).enabled is False
    assert jobs_of(sessions, str(broken.id)) == []


def test_a_cron_schedule_without_a_next_run_starts_at_its_next_time(
    fire: Any, sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    hourly = make_schedule(sessions, tenant_id=tenant_id, cron="0 * * * *")
    assert fire() == 0
    next_run = _row(sessions, hourly).next_run_at
    assert next_run is not None
    assert (next_run.minute, next_run.second) == (0, 0)
    assert next_run > _now(sessions)


def test_a_tick_fired_twice_creates_one_job(
    fire: Any, sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    tick = _now(sessions) - timedelta(seconds=1)
    every_minute = make_schedule(
        sessions, tenant_id=tenant_id, interval_seconds=60, next_run_at=tick
    )
    assert fire() == 1
    with transaction(sessions) as session:  # as a second beat that still saw the old tick
        session.execute(update(Schedule).values(next_run_at=tick))
    assert fire() == 0
    assert len(jobs_of(sessions, str(every_minute.id))) == 1


def test_an_interval_far_behind_fires_once_and_goes_on_from_now(
    fire: Any, sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    yesterday = _now(sessions) - timedelta(days=1)
    hourly = make_schedule(
        sessions, tenant_id=tenant_id, interval_seconds=3600, next_run_at=yesterday
    )
    assert fire() == 1
    row = _row(sessions, hourly)
    assert row.next_run_at is not None
    assert row.next_run_at > yesterday + timedelta(hours=23)
    assert fire() == 1  # the catch-up tick, now
    assert fire() == 0
    assert row.last_job_id is not None
