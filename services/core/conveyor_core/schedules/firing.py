"""Turning schedules into jobs: beat fires what is due, the api fires one now.

A tick is named by the time it was due. Its job carries the Idempotency-Key
``schedule:<id>:<tick>``, so the jobs table's unique key refuses a second job for the same tick
even if two beats both believed they led (a lock that expired during a pause). The job row, the
schedule's advance and the lock commit together; the message goes out after the commit, and the
reconciler sends it if beat dies in between.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import service as jobs_service
from conveyor_core.jobs.kinds import UnknownKind
from conveyor_core.jobs.repository import jobs as jobs_repository
from conveyor_core.jobs.signals import jobs_created
from conveyor_core.models import Job, Schedule
from conveyor_core.schedules import repository
from conveyor_core.schedules.service import Overlap, ScheduleNotFound, ScheduleSpec
from conveyor_core.schedules.timing import InvalidTiming
from conveyor_core.settings import Settings

log = structlog.get_logger(__name__)

BATCH_SIZE = 100  # schedules fired per transaction


class PreviousJobUnfinished(Exception):
    def __init__(self, schedule: Schedule) -> None:
        super().__init__(
            f"schedule {schedule.name!r} skips overlapping runs and its previous job "
            f"{schedule.last_job_id} is unfinished"
        )


def tick_key(schedule: Schedule, tick: datetime) -> str:
    return f"schedule:{schedule.id}:{tick.isoformat()}"


def _request(schedule: Schedule, key: str | None) -> jobs_service.JobRequest:
    return jobs_service.JobRequest(
        kind=schedule.kind,
        params=schedule.params,
        queue=schedule.queue,
        priority=schedule.priority,
        idempotency_key=key,
    )


def _overlaps(session: Session, schedule: Schedule) -> bool:
    return schedule.overlap == Overlap.SKIP and repository.previous_job_unfinished(
        session, schedule
    )


def _fire(session: Session, settings: Settings, schedule: Schedule, tick: datetime) -> Job | None:
    if _overlaps(session, schedule):
        log.info("schedule tick skipped: previous job unfinished", schedule=schedule.name)
        return None
    try:
        values = jobs_service.job_values(
            _request(schedule, tick_key(schedule, tick)), settings, schedule.tenant_id
        )
    except (UnknownKind, ValueError) as error:
        log.error("schedule skipped: invalid job", schedule=schedule.name, error=str(error))
        return None
    job = jobs_repository.insert_job(session, **values)
    if job is not None:
        repository.record_run(session, schedule, tick, job.id)
    return job


def _fire_one(
    session: Session, settings: Settings, schedule: Schedule, now: datetime
) -> Job | None:
    timing = ScheduleSpec.of(schedule).timing
    tick = schedule.next_run_at or now
    try:
        following = timing.following(tick, now)
    except InvalidTiming as error:  # only a row written around the api can get here
        log.error("schedule paused: invalid timing", schedule=schedule.name, error=str(error))
        repository.pause(session, schedule)
        return None
    if schedule.next_run_at is None and schedule.cron is not None:
        # a cron schedule stored without its next time starts at it rather than now
        repository.advance(session, schedule, timing.next_after(now))
        return None
    job = _fire(session, settings, schedule, tick)
    repository.advance(session, schedule, following)
    return job


def _publish(sessions: sessionmaker[Session], publisher: Publisher, jobs: list[Job]) -> None:
    jobs_created.send(sender=_publish, jobs=jobs)
    jobs_service.publish_committed(
        sessions, publisher, [jobs_service.delivery_of(job) for job in jobs]
    )


def fire_due(sessions: sessionmaker[Session], publisher: Publisher, settings: Settings) -> int:
    """One pass: a job for every due tick (catching up within the misfire grace)."""
    created: list[Job] = []
    with transaction(sessions) as session:
        now = repository.now(session)
        for schedule in repository.lock_due(session, BATCH_SIZE):
            job = _fire_one(session, settings, schedule, now)
            if job is not None:
                created.append(job)
    if created:
        _publish(sessions, publisher, created)
        log.info("schedules fired", jobs=len(created))
    return len(created)


def run_now(
    sessions: sessionmaker[Session],
    publisher: Publisher,
    settings: Settings,
    tenant_id: uuid.UUID,
    schedule_id: uuid.UUID,
) -> Job:
    """One job of the schedule at once, paused or not; its next tick stays as it was."""
    with transaction(sessions) as session:
        schedule = repository.get_schedule(session, tenant_id, schedule_id, lock=True)
        if schedule is None:
            raise ScheduleNotFound(schedule_id)
        if _overlaps(session, schedule):
            raise PreviousJobUnfinished(schedule)
        values = jobs_service.job_values(_request(schedule, None), settings, tenant_id)
        job = jobs_repository.insert_job(session, **values)
        assert job is not None, "a job without an idempotency key always inserts"
        repository.record_run(session, schedule, repository.now(session), job.id)
    _publish(sessions, publisher, [job])
    log.info("schedule run now", schedule=schedule.name, job_id=str(job.id))
    return job
