"""A job's row is locked before its items, by an item's outcome as by cancel; a claim locks
its item alone.

Each test holds a cancel's lock on the job, lets a worker's statement for one item start and
wait, then finishes the cancel. Were the worker to lock the item first, the cancel would wait
for the item while the worker waits for the job, and PostgreSQL would abort one of them with
a deadlock; here the worker waits, then finds its item cancelled and records nothing. A claim
does not wait: it never asks for the job's row, and the cancel then ends the item it claimed.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import transaction
from conveyor_core.jobs import lifecycle, runs
from conveyor_core.jobs.runs import Target
from conveyor_core.jobs.states import Status
from conveyor_core.models import JobItem
from tests.factories import make_running_fanout
from tests.waiting import job_row, until

TASK = "worker-task"


def _item_ids(sessions: sessionmaker[Session], job_id: uuid.UUID) -> list[uuid.UUID]:
    with sessions() as session:
        return list(session.scalars(select(JobItem.id).where(JobItem.job_id == job_id)))


def _claim(session: Session, target: Target) -> Any:
    return runs.claim(session, target, TASK, 30)


def _finish(session: Session, target: Target) -> Any:
    return runs.finish(session, target, TASK, Status.SUCCEEDED, result={})


def _retry_later(session: Session, target: Target) -> Any:
    return runs.retry_later(session, target, TASK, delay_seconds=1, error={"type": "X"})


def _waiting_on_a_lock(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        waiting = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return bool(waiting)


@pytest.mark.commits  # two connections, one waiting on the other's lock
@pytest.mark.parametrize(
    "step",
    [_finish, _retry_later],
    ids=["finish", "retry_later"],
)
def test_an_item_step_waits_for_a_cancel_instead_of_deadlocking(
    sessions: sessionmaker[Session],
    tenant_id: uuid.UUID,
    step: Callable[[Session, Target], Any],
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id)
    target = Target(job_id, _item_ids(sessions, job_id)[0])
    with transaction(sessions) as session:
        assert _claim(session, target) is not None

    outcome: dict[str, Any] = {}

    def worker() -> None:
        try:
            with transaction(sessions) as session:
                outcome["value"] = step(session, target)
        except Exception as exc:
            outcome["error"] = exc

    with transaction(sessions) as cancelling:
        lifecycle.locked_job(cancelling, tenant_id, job_id)
        thread = threading.Thread(target=worker)
        thread.start()
        until(lambda: _waiting_on_a_lock(sessions), timeout=10, what="the worker to wait")
        cancelled = lifecycle.cancel(cancelling, tenant_id, job_id)
    thread.join(timeout=30)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["value"] is None  # the item was cancelled under it
    assert cancelled.job.status == Status.CANCELLED
    assert job_row(sessions, job_id).status == Status.CANCELLED
    with sessions() as session:
        statuses = set(session.scalars(select(JobItem.status).where(JobItem.job_id == job_id)))
    assert statuses == {Status.CANCELLED}


@pytest.mark.commits  # two connections, one holding a lock the other must not ask for
def test_a_claim_takes_no_lock_on_its_job_and_a_cancel_still_ends_its_item(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id)
    target = Target(job_id, _item_ids(sessions, job_id)[0])

    with transaction(sessions) as cancelling:
        lifecycle.locked_job(cancelling, tenant_id, job_id)
        # on another connection while the cancel holds the job's row: a claim that asked for
        # the row would wait here, and give up after the timeout
        with transaction(sessions) as claiming:
            claiming.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert _claim(claiming, target) is not None
        cancelled = lifecycle.cancel(cancelling, tenant_id, job_id)

    assert TASK in cancelled.revoke  # the claimed execution is revoked
    with sessions() as session:
        statuses = set(session.scalars(select(JobItem.status).where(JobItem.job_id == job_id)))
    assert statuses == {Status.CANCELLED}
