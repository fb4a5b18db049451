"""Writing a run's outcome: success, a retry after the queue's backoff, or failure."""

from __future__ import annotations

import random
import time
import traceback
from typing import Any

from celery.exceptions import Retry

from conveyor.errors import RetryAfter
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import runs
from conveyor_core.jobs.errors import NonRetryable
from conveyor_core.jobs.states import Status
from conveyor_worker.observability.outcomes import Outcome
from conveyor_worker.runtime.run import TaskRun
from conveyor_worker.runtime.settle import settle

TRACEBACK_LIMIT = 20


def error_of(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc)}


def retry_delay(queue: str, attempt: int, exc: BaseException | None = None) -> float:
    """The queue's backoff before the retry after ``attempt``; a ``RetryAfter`` waits at least
    the seconds it asks for."""
    retry = queue_set().policy(queue).retry
    delay = retry.delay_for(attempt)
    # "equal jitter": keep half the backoff, randomise the rest, so retries spread out
    backoff = delay / 2 + random.uniform(0, delay / 2) if retry.jitter else delay
    return max(backoff, exc.seconds) if isinstance(exc, RetryAfter) else backoff


def succeed(run: TaskRun, result: dict[str, Any], started: float) -> None:
    with run.res.statements.connect() as connection:
        recorded = runs.finish(connection, run.target, run.task_id, Status.SUCCEEDED, result=result)
    settle(run, recorded)
    if recorded is None:
        run.log.info("outcome dropped: row no longer ours")
    else:  # an item's success is DEBUG: its row keeps it, and the finalizer logs the summary
        (run.log.debug if run.target.item_id else run.log.info)("task succeeded")
    run.report(Outcome.SUCCEEDED if recorded else Outcome.DROPPED, time.monotonic() - started)


def fail(run: TaskRun, attempt: int, exc: Exception, started: float) -> None:
    """Retry or fail after ``exc``; called while it is being handled (for its traceback).

    Once the row holds the outcome, Celery is told it too, so its task events (Flower,
    ``celery events``) show a failure with the exception, or a retry, not a success: ``exc``
    is raised again, or a ``Retry`` carrying it (no message is sent: the row's ``due_at``
    schedules the retry). Either way the message is acknowledged."""
    outcome, delay = _record_failure(run, attempt, exc)
    run.report(outcome, time.monotonic() - started, type(exc).__name__)
    if outcome is Outcome.FAILED:
        raise exc
    if outcome is Outcome.RETRIED:
        raise Retry(str(exc), exc=exc, when=round(delay, 3))


def _record_failure(run: TaskRun, attempt: int, exc: Exception) -> tuple[Outcome, float]:
    retries_left = attempt <= queue_set().policy(run.queue).retry.max_retries
    error = error_of(exc)
    trace = traceback.format_exc(limit=TRACEBACK_LIMIT)
    delay = 0.0
    with transaction(run.res.sessions) as session:
        if retries_left and not isinstance(exc, NonRetryable):
            delay = retry_delay(run.queue, attempt, exc)
            recorded = runs.retry_later(
                session, run.target, run.task_id, delay_seconds=delay, error=error
            )
            outcome = Outcome.RETRIED
        else:
            recorded = runs.finish(session, run.target, run.task_id, Status.FAILED, error=error)
            outcome = Outcome.FAILED
    settle(run, recorded)
    if recorded is None:
        run.log.warning("outcome dropped: row no longer ours", error=error)
        return Outcome.DROPPED, delay
    if outcome is Outcome.RETRIED:
        run.log.warning(
            "task failed, retry scheduled", error=error, retry_in=round(delay, 3), traceback=trace
        )
    else:
        run.log.error("task failed", error=error, traceback=trace)
    return outcome, delay
