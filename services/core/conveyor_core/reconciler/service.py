"""One reconciler pass: make PostgreSQL's view of queued and running work true in the broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

import redis
import structlog
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker import unacked, workers
from conveyor_core.broker.epoch import broker_epoch
from conveyor_core.broker.publishing import Delivery, Publisher
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import events, progress
from conveyor_core.jobs.repository import jobs, task_rows
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job
from conveyor_core.reconciler import repository
from conveyor_core.reconciler.repository import Thresholds

log = structlog.get_logger(__name__)

PUBLISH_GRACE_SECONDS = 1.0  # the api publishes right after its commit; leave it that moment
BATCH_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Report:
    published: int
    requeued: int
    dead_lettered: int
    restored: int = 0  # abandoned unacknowledged messages put back in their queue


def thresholds(epoch: datetime) -> Thresholds:
    return Thresholds(
        publish_grace_seconds=PUBLISH_GRACE_SECONDS, batch_size=BATCH_SIZE, epoch=epoch
    )


def restore_abandoned(publisher: Publisher, broker: redis.Redis) -> int:
    """Messages a dead worker had taken go back to their queue as they are (no copy)."""
    held = unacked.held_tags(workers.registered_workers(broker))
    if held is None:
        return 0
    tags = unacked.abandoned(broker, held, time.time())
    unacked.restore(publisher.app, tags)
    return len(tags)


def release_expired_items(session: Session, limit: int) -> tuple[int, int, list[Job]]:
    """Items whose heartbeat stopped: requeued, or dead-lettered after ``max_deliveries``
    deaths, moving their job's counters. Returns (requeued, dead-lettered, finalized jobs).

    Each job's row is locked before its items (the lock order of the jobs repository), jobs in
    id order so two reconcilers never wait on each other in a cycle; an item is changed only if
    it is still expired once its job is locked."""
    requeued = dead = 0
    finalized: list[Job] = []
    locked: set[uuid.UUID] = set()
    for item in repository.expired_items(session, limit):
        if item.job_id not in locked:
            jobs.lock_job_for_items(session, item.job_id)
            locked.add(item.job_id)
        max_deliveries = queue_set().policy_or_default(item.queue).max_deliveries
        target = repository.release_item_lease(session, item.id, max_deliveries)
        if target is None:
            continue
        progress.shift(session, item.job_id, Status.RUNNING, target)
        if target != Status.DEAD_LETTERED:
            requeued += 1
            continue
        dead += 1
        job = progress.finalize_if_done(session, item.job_id)
        if job is not None:
            finalized.append(job)
    return requeued, dead, finalized


def _publish_pending(
    sessions: sessionmaker[Session],
    publisher: Publisher,
    pending: Callable[[Session], list[Delivery]],
) -> int:
    """Publish batches of unsent rows; each batch stays locked until its messages are out."""
    published = 0
    while True:
        with transaction(sessions) as session:
            deliveries = pending(session)
            if not deliveries:
                return published
            publisher.publish_many(deliveries)
            task_rows.mark_deliveries_published(session, deliveries)
        published += len(deliveries)
        if len(deliveries) < BATCH_SIZE:
            return published


def reconcile_once(
    sessions: sessionmaker[Session], publisher: Publisher, broker: redis.Redis
) -> Report:
    """One pass. A queued row is published again only on evidence that its message is gone:
    it was never sent, or it was sent before the broker's current epoch began (Redis lost its
    data); a message a dead worker had taken is put back as it is. A row whose message waits in
    a long queue, however long, keeps its one message."""
    with transaction(sessions) as session:
        requeued, dead = repository.release_expired_leases(session)
        items_requeued, items_dead, finalized = release_expired_items(session, BATCH_SIZE)
        finalized += progress.finalize_stranded(session, BATCH_SIZE)
        now = repository.database_now(session)
    for job in finalized:
        events.announce(broker, job)
    limits = thresholds(broker_epoch(broker, now))
    restored = restore_abandoned(publisher, broker)
    published = _publish_pending(
        sessions, publisher, lambda s: repository.unpublished_jobs(s, limits)
    )
    published += _publish_pending(
        sessions, publisher, lambda s: repository.unpublished_items(s, limits)
    )
    report = Report(
        published=published,
        requeued=len(requeued) + items_requeued,
        dead_lettered=len(dead) + items_dead,
        restored=restored,
    )
    if published or report.requeued or report.dead_lettered or restored:
        log.info("reconciled", **asdict(report))
    return report
