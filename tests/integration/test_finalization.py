"""A fan-out job is finalized exactly once, even when its last finisher dies before closing it."""

from __future__ import annotations

import uuid

import redis
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import runs
from conveyor_core.jobs.runs import Target
from conveyor_core.jobs.states import Status
from conveyor_core.models import JobItem
from conveyor_core.reconciler.service import reconcile_once
from conveyor_core.settings import Settings
from tests import paths
from tests.factories import FANOUT_ITEMS as ITEMS
from tests.factories import make_running_fanout
from tests.waiting import job_row


def run_every_item(sessions: sessionmaker[Session], job_id: uuid.UUID) -> list[bool]:
    """Claim and succeed each item; returns, per item, whether its outcome was the last."""
    last = []
    with sessions() as session:
        item_ids = list(
            session.scalars(
                JobItem.__table__.select()
                .with_only_columns(JobItem.id)
                .where(JobItem.job_id == job_id)
            )
        )
    for item_id in item_ids:
        target = Target(job_id, item_id)
        with transaction(sessions) as session:
            assert runs.claim(session, target, f"task-{item_id}", 30) is not None
            recorded = runs.finish(session, target, f"task-{item_id}", Status.SUCCEEDED, result={})
        assert recorded is not None
        last.append(recorded.last_item)
    return last


def test_only_the_last_outcome_asks_for_finalization_and_it_happens_once(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id)
    assert run_every_item(sessions, job_id) == [False] * (ITEMS - 1) + [True]
    with transaction(sessions) as session:
        first = runs.finalize(session, job_id)
    with transaction(sessions) as session:
        second = runs.finalize(session, job_id)
    assert first is not None
    assert first.status == Status.SUCCEEDED
    assert first.result is not None
    assert first.result["items"] == {"succeeded": ITEMS, "failed": 0}
    assert second is None


def test_reconciler_finalizes_a_job_whose_finisher_died(
    sessions: sessionmaker[Session],
    settings: Settings,
    redis_client: redis.Redis,
    tenant_id: uuid.UUID,
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id)
    run_every_item(sessions, job_id)  # ...and the process dies before finalizing
    assert job_row(sessions, job_id).status == Status.RUNNING

    reconcile_once(sessions, Publisher(create_celery_app(settings)), redis_client)
    done = job_row(sessions, job_id)
    assert done.status == Status.SUCCEEDED
    assert done.finalized_at is not None


def test_progress_counts_claimed_items_as_running_without_a_counter_of_its_own(
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    tenant_id: uuid.UUID,
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id, items=4)
    with sessions() as session:
        first, second, *_ = session.scalars(
            select(JobItem.id).where(JobItem.job_id == job_id).order_by(JobItem.position)
        )

    def progress() -> dict[str, int]:
        response = client.get(paths.job(job_id), headers=auth)
        assert response.status_code == 200, response.text
        counters = ("total", "queued", "running", "succeeded", "failed")
        return {name: response.json()["progress"][name] for name in counters}

    for item_id in (first, second):
        with transaction(sessions) as session:
            assert runs.claim(session, Target(job_id, item_id), f"t-{item_id}", 30)
    assert progress() == {"total": 4, "queued": 2, "running": 2, "succeeded": 0, "failed": 0}
    with transaction(sessions) as session:
        runs.finish(session, Target(job_id, first), f"t-{first}", Status.SUCCEEDED)
    assert progress() == {"total": 4, "queued": 2, "running": 1, "succeeded": 1, "failed": 0}
    assert job_row(sessions, job_id).unfinished_items == 3  # queued and running alike
