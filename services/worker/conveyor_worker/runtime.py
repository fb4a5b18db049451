"""How every job task runs: claim the row, heartbeat while working, record the outcome.

The claim (an UPDATE ... WHERE status IN (...) RETURNING) happens before any side effect, so a
message delivered twice finds its row already claimed or finished and does nothing.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import BaseModel

from conveyor_core.contracts import TaskContract
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import repository
from conveyor_core.jobs.errors import NonRetryable
from conveyor_core.jobs.repository import Row
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem
from conveyor_core.queues import Queue, policy_for
from conveyor_worker.outcomes import Outcome, task_outcome
from conveyor_worker.resources import Resources, resources

log = structlog.get_logger(__name__)

TRACEBACK_LIMIT = 20


@dataclass
class TaskContext:
    job_id: uuid.UUID
    item_id: uuid.UUID | None
    attempt: int
    # set when the row is no longer ours (cancelled, or its lease was taken over)
    lost: threading.Event = field(default_factory=threading.Event)

    def should_stop(self) -> bool:
        return self.lost.is_set()


Implementation = Callable[[Any, TaskContext], dict[str, Any] | None]


class Heartbeat:
    """Renews the row's lease from a side thread while the task works."""

    def __init__(
        self, res: Resources, model: Row, row_id: uuid.UUID, task_id: str, ctx: TaskContext
    ) -> None:
        self._res, self._model, self._row_id, self._task_id, self._ctx = (
            res,
            model,
            row_id,
            task_id,
            ctx,
        )
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> None:
        settings = self._res.settings
        while not self._stopped.wait(settings.heartbeat_seconds):
            try:
                with transaction(self._res.sessions) as session:
                    ours = repository.heartbeat(
                        session, self._model, self._row_id, self._task_id, settings.lease_seconds
                    )
            except Exception as error:  # a missed beat is survivable; the lease has slack
                log.warning("heartbeat failed", error=repr(error))
                continue
            if not ours:
                self._ctx.lost.set()


def error_of(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc)}


def retry_delay(queue: Queue, attempt: int) -> float:
    retry = policy_for(queue).retry
    delay = retry.delay_for(attempt)
    # "equal jitter": keep half the backoff, randomise the rest, so retries spread out
    return delay / 2 + random.uniform(0, delay / 2) if retry.jitter else delay


def run(
    contract: TaskContract,
    implementation: Implementation,
    task_id: str,
    queue: str,
    job_id: str,
    item_id: str | None,
) -> None:
    """Execute one delivery of ``job_id`` (or of its item ``item_id``) that came from ``queue``."""
    res = resources()
    model: Row = JobItem if item_id else Job
    row_id = uuid.UUID(item_id or job_id)
    bound = log.bind(job_id=job_id, item_id=item_id, task_id=task_id, kind=contract.name)
    with transaction(res.sessions) as session:
        row = repository.claim(session, model, row_id, task_id, res.settings.lease_seconds)
    report = _reporter(contract.name, queue, job_id, item_id)
    if row is None:
        bound.info("delivery ignored: row already claimed, finished or not due")
        report(Outcome.IGNORED, None, None)
        return
    ctx = TaskContext(uuid.UUID(job_id), uuid.UUID(item_id) if item_id else None, row.attempts)
    bound = bound.bind(attempt=row.attempts)
    bound.info("task started")
    params: BaseModel = contract.params.model_validate(row.params)
    started = time.monotonic()
    with Heartbeat(res, model, row_id, task_id, ctx):
        try:
            result = implementation(params, ctx) or {}
        except Exception as exc:
            outcome = _record_failure(res, model, row, Queue(queue), task_id, exc, bound)
            report(outcome, time.monotonic() - started, type(exc).__name__)
            return
    with transaction(res.sessions) as session:
        recorded = repository.finish(
            session, model, row_id, task_id, Status.SUCCEEDED, result=result
        )
    bound.info("task succeeded" if recorded else "outcome dropped: row no longer ours")
    report(Outcome.SUCCEEDED if recorded else Outcome.DROPPED, time.monotonic() - started, None)


def _reporter(
    kind: str, queue: str, job_id: str, item_id: str | None
) -> Callable[[Outcome, float | None, str | None], None]:
    def report(outcome: Outcome, runtime: float | None, exception: str | None) -> None:
        task_outcome.send(
            sender=kind,
            kind=kind,
            queue=queue,
            outcome=outcome,
            runtime_seconds=runtime,
            exception=exception,
            job_id=job_id,
            item_id=item_id,
        )

    return report


def _record_failure(
    res: Resources,
    model: Row,
    row: Job | JobItem,
    queue: Queue,
    task_id: str,
    exc: Exception,
    bound: Any,
) -> Outcome:
    retries_left = row.attempts <= policy_for(queue).retry.max_retries
    error = error_of(exc)
    with transaction(res.sessions) as session:
        if retries_left and not isinstance(exc, NonRetryable):
            delay = retry_delay(queue, row.attempts)
            repository.schedule_retry(
                session, model, row.id, task_id, delay_seconds=delay, error=error
            )
            bound.warning(
                "task failed, retry scheduled",
                error=error,
                retry_in=round(delay, 3),
                traceback=traceback.format_exc(limit=TRACEBACK_LIMIT),
            )
            return Outcome.RETRIED
        repository.finish(session, model, row.id, task_id, Status.FAILED, error=error)
    bound.error("task failed", error=error, traceback=traceback.format_exc(limit=TRACEBACK_LIMIT))
    return Outcome.FAILED
