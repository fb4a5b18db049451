"""Firing due schedules exactly once per tick.

A tick is named by the time it was due. Its job carries the Idempotency-Key
``schedule:<id>:<tick>``, so the jobs table's unique key refuses a second job for the same tick
even if two beats both believed they led (a lock that expired during a pause). The job row, the
schedule's advance and the lock commit together; the message goes out after the commit, and the
reconciler sends it if beat dies in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from conveyor_beat.schedules import repository
from conveyor_core.broker.publishing import Publisher
from conveyor_core.contracts import UnknownKind
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import service as jobs_service
from conveyor_core.jobs.repository import jobs as jobs_repository
from conveyor_core.models import Job, Schedule
from conveyor_core.settings import Settings

log = structlog.get_logger(__name__)

BATCH_SIZE = 100  # schedules fired per transaction
# Ticks missed for longer than this (beat was down) are skipped rather than all replayed.
MISFIRE_GRACE_SECONDS = 300.0


def tick_key(schedule: Schedule, tick: datetime) -> str:
    return f"schedule:{schedule.id}:{tick.isoformat()}"


def _next_run(schedule: Schedule, tick: datetime, now: datetime) -> datetime:
    assert schedule.interval_seconds is not None
    following = tick + timedelta(seconds=schedule.interval_seconds)
    if following < now - timedelta(seconds=MISFIRE_GRACE_SECONDS):
        return now
    return following


def _fire(session: Session, settings: Settings, schedule: Schedule, tick: datetime) -> Job | None:
    request = jobs_service.JobRequest(
        kind=schedule.kind,
        params=schedule.params,
        queue=schedule.queue,
        priority=schedule.priority,
        idempotency_key=tick_key(schedule, tick),
    )
    try:
        values = jobs_service.job_values(request, settings, schedule.tenant_id)
    except (UnknownKind, ValueError) as error:
        log.error("schedule skipped: invalid job", schedule=schedule.name, error=str(error))
        return None
    return jobs_repository.insert_job(session, **values)


def fire_due(sessions: sessionmaker[Session], publisher: Publisher, settings: Settings) -> int:
    """One pass: a job for every due tick (catching up within the misfire grace)."""
    created: list[Job] = []
    with transaction(sessions) as session:
        now = repository.now(session)
        for schedule in repository.lock_due(session, BATCH_SIZE):
            tick = schedule.next_run_at or now
            job = _fire(session, settings, schedule, tick)
            if job is not None:
                created.append(job)
            repository.advance(session, schedule, tick, _next_run(schedule, tick, now))
    if created:
        jobs_service.publish_committed(
            sessions, publisher, [jobs_service.delivery_of(job) for job in created]
        )
        log.info("schedules fired", jobs=len(created))
    return len(created)
