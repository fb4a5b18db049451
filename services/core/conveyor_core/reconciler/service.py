"""One reconciler pass: make PostgreSQL's view of queued and running work true in the broker."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import structlog
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import transaction
from conveyor_core.jobs import repository as jobs_repository
from conveyor_core.models import Job
from conveyor_core.publishing import Publisher
from conveyor_core.reconciler import repository
from conveyor_core.reconciler.repository import Thresholds
from conveyor_core.settings import Settings

log = structlog.get_logger(__name__)

PUBLISH_GRACE_SECONDS = 1.0  # the api publishes right after its commit; leave it that moment
BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Report:
    published: int
    requeued: int
    dead_lettered: int


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        publish_grace_seconds=PUBLISH_GRACE_SECONDS,
        republish_after_seconds=settings.republish_after_seconds,
        batch_size=BATCH_SIZE,
    )


def reconcile_once(
    sessions: sessionmaker[Session], publisher: Publisher, settings: Settings
) -> Report:
    with transaction(sessions) as session:
        requeued, dead = repository.release_expired_leases(session)
    published = 0
    while True:
        with transaction(sessions) as session:
            deliveries = repository.unpublished_jobs(session, thresholds(settings))
            if not deliveries:
                break
            # published inside the transaction: the rows stay locked until their messages are out
            publisher.publish_many(deliveries)
            jobs_repository.mark_published(session, Job, [d.job_id for d in deliveries])
        published += len(deliveries)
        if len(deliveries) < BATCH_SIZE:
            break
    report = Report(published=published, requeued=len(requeued), dead_lettered=len(dead))
    if published or requeued or dead:
        log.info("reconciled", **asdict(report))
    return report
