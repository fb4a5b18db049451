"""Worker traces: a tracer provider per pool process, set up as it starts and flushed as it ends.

The task span is the child of the publish span whose context came in the message headers; the
runtime's database and Redis calls are spans below it.
"""

from __future__ import annotations

from typing import Any

from celery import signals
from opentelemetry import trace

from conveyor_core.observability.tracing import (
    configure_tracing,
    connect_celery,
    shutdown_tracing,
)
from conveyor_worker.outcomes import Outcome, task_outcome

SERVICE_NAME = "conveyor-worker"


def connect() -> None:
    connect_celery()
    signals.worker_process_init.connect(_process_init, weak=False)
    signals.worker_process_shutdown.connect(_process_shutdown, weak=False)
    task_outcome.connect(_mark_outcome, weak=False)


def _process_init(**_: Any) -> None:
    configure_tracing(SERVICE_NAME)


def _process_shutdown(**_: Any) -> None:
    shutdown_tracing()


def _mark_outcome(
    outcome: Outcome = Outcome.SUCCEEDED, exception: str | None = None, **kw: Any
) -> None:
    """Job failures are recorded, not raised: the outcome is what marks the span."""
    span = trace.get_current_span()
    span.set_attribute("conveyor.outcome", str(outcome))
    if kw.get("job_id"):
        span.set_attribute("conveyor.job_id", str(kw["job_id"]))
    if outcome in (Outcome.FAILED, Outcome.RETRIED):
        span.set_status(trace.StatusCode.ERROR, exception or str(outcome))
