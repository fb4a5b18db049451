"""Worker traces and log correlation: a tracer provider per pool process, set up as it starts
and flushed as it ends; task ids bound to every log line of the task.

The task span is the child of the publish span whose context came in the message headers; the
runtime's database and Redis calls are spans below it.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import signals
from opentelemetry import trace

from conveyor_core.observability.tracing import (
    configure_tracing,
    connect_celery,
    preload,
    shutdown_tracing,
)
from conveyor_worker.observability.outcomes import Outcome, task_outcome

SERVICE_NAME = "conveyor-worker"


def connect() -> None:
    connect_celery()
    signals.worker_init.connect(_preload, weak=False)
    signals.worker_process_init.connect(_process_init, weak=False)
    signals.worker_process_shutdown.connect(_process_shutdown, weak=False)
    task_outcome.connect(_mark_outcome, weak=False)
    signals.task_prerun.connect(_bind_log_context, weak=False)
    signals.task_postrun.connect(_clear_log_context, weak=False)


def _preload(**_: Any) -> None:
    preload()


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


def _bind_log_context(task: Any = None, task_id: str | None = None, **_: Any) -> None:
    """Every log line of the task carries its ids, whoever logs it (Celery, the runtime, a lib)."""
    request = task.request
    kwargs = getattr(request, "kwargs", None) or {}
    structlog.contextvars.bind_contextvars(
        task_id=task_id,
        task=task.name,
        queue=(getattr(request, "delivery_info", None) or {}).get("routing_key"),
        job_id=kwargs.get("job_id"),
        item_id=kwargs.get("item_id"),
    )


def _clear_log_context(**_: Any) -> None:
    structlog.contextvars.clear_contextvars()
