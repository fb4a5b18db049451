"""Scenario 11: PostgreSQL goes away while a task runs."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import backing
from tests.chaos.api import Api
from tests.chaos.faults import running_job, start_postgres, stop_postgres
from tests.chaos.ledger import verify
from tests.processes import Running
from tests.waiting import job_row

TASK_SECONDS = 6.0
OUTAGE_SECONDS = 8.0  # outlasts the task: its outcome cannot be written


def test_postgres_stopped_during_a_task_retries_it_instead_of_marking_it_done(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    backing_services: backing.BackingServices,
) -> None:
    worker = start_worker(concurrency=2)
    job_id = api.submit("diag.effect", {"seconds": TASK_SECONDS})
    assert job_id is not None
    running_job(sessions, job_id)
    stop_postgres(backing_services)
    try:
        time.sleep(OUTAGE_SECONDS)
    finally:
        start_postgres(backing_services)
    verify("11 postgres stopped during a task", sessions, api.accepted.expected)
    done = job_row(sessions, job_id)
    assert done.attempts >= 2, "the execution that lost its database was not taken as done"
    assert worker.process.poll() is None
