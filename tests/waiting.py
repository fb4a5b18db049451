"""Polling helpers: cross-process tests wait for a state, never for a fixed time."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.models import Job
from tests.processes import Running

T = TypeVar("T")
DEFAULT_TIMEOUT_SECONDS = 60.0


def until(
    probe: Callable[[], T | None], timeout: float = DEFAULT_TIMEOUT_SECONDS, what: str = "condition"
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def job_row(sessions: sessionmaker[Session], job_id: uuid.UUID | str) -> Job:
    with sessions() as session:
        job = session.get(Job, uuid.UUID(str(job_id)))
        assert job is not None
        return job


def job_reaches(
    sessions: sessionmaker[Session],
    job_id: uuid.UUID | str,
    *statuses: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Job:
    def probe() -> Job | None:
        job = job_row(sessions, job_id)
        return job if job.status in statuses else None

    return until(probe, timeout, f"job {job_id} to reach {statuses}")


def reconciler_passes(worker: Running) -> int:
    """How many reconciler tasks ``worker`` (one consuming the maintenance queue) took."""
    return sum(
        1
        for event in worker.log_events()
        if event.get("event") == "task received" and event.get("task") == "conveyor.reconcile"
    )


def after_reconciler_passes(worker: Running, passes: int, timeout: float = 180.0) -> None:
    """Wait until ``worker`` has taken ``passes`` more reconciler tasks than it had so far."""
    start = reconciler_passes(worker)
    until(lambda: reconciler_passes(worker) >= start + passes, timeout, f"{passes} reconciles")
