"""Conveyor's Prometheus metrics, named and labelled as celery-exporter names them.

celery-exporter's dashboards and alerts then work unchanged on Conveyor. Metrics are built into a
registry the caller owns (a test builds its own); under the prefork pool every process writes to
prometheus_client's multiprocess files and the worker's main process serves their sum.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from conveyor_core.settings import Settings

TASK_LABELS = ("name", "hostname", "queue_name")
GENERIC_HOSTNAME = "generic"
# Seconds: sub-second echo tasks up to hour-long data jobs (the data queue's hard limit).
RUNTIME_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
WAIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)
JOB_DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)
API_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def hostname_label(nodename: str | None, settings: Settings) -> str:
    """The ``hostname`` label: what follows the ``@`` of the Celery node name, as celery-exporter
    labels it (``worker-ai@conveyor-worker-ai-7d9f`` becomes ``conveyor-worker-ai-7d9f``, the
    pod), or the pool part alone when generic (``worker-ai``: one series per pool, not per pod).
    """
    name = nodename or socket.gethostname()
    pool, at, host = name.partition("@")
    if settings.metrics_generic_hostname:
        return pool if at else GENERIC_HOSTNAME
    return host if at else name


@dataclass(frozen=True, slots=True)
class Metrics:
    task_sent: Counter
    task_received: Counter
    task_started: Counter
    task_succeeded: Counter
    task_failed: Counter
    task_rejected: Counter
    task_revoked: Counter
    task_retried: Counter
    task_runtime: Histogram
    task_queue_wait: Histogram
    worker_tasks_active: Gauge
    task_outcomes: Counter
    jobs_created: Counter
    jobs_finished: Counter
    job_duration: Histogram
    items_finished: Counter
    reconciler_published: Counter
    reconciler_requeued: Counter
    reconciler_dead_lettered: Counter
    api_request_duration: Histogram


def _task_counter(registry: CollectorRegistry, event: str, extra: tuple[str, ...] = ()) -> Counter:
    return Counter(
        f"celery_task_{event}",
        f"Tasks {event}, as celery-exporter counts them.",
        [*TASK_LABELS, *extra],
        registry=registry,
    )


# what the api updates, and so all it serves (a family nobody updates would read 0 forever)
API_FAMILIES = ("task_sent", "jobs_created", "api_request_duration")


def served(metrics: Metrics, families: tuple[str, ...]) -> CollectorRegistry:
    """A registry holding only ``families`` of ``metrics``: what this process serves."""
    registry = CollectorRegistry()
    for family in families:
        registry.register(getattr(metrics, family))
    return registry


def build_metrics(registry: CollectorRegistry) -> Metrics:
    """Every metric family Conveyor's own code records, registered in ``registry``."""
    return Metrics(
        task_sent=_task_counter(registry, "sent"),
        task_received=_task_counter(registry, "received"),
        task_started=_task_counter(registry, "started"),
        task_succeeded=_task_counter(registry, "succeeded"),
        task_failed=_task_counter(registry, "failed", ("exception",)),
        task_rejected=_task_counter(registry, "rejected"),
        task_revoked=_task_counter(registry, "revoked"),
        task_retried=_task_counter(registry, "retried"),
        task_runtime=Histogram(
            "celery_task_runtime",
            "Seconds a successful task ran, from start to its outcome (as celery-exporter).",
            TASK_LABELS,
            buckets=RUNTIME_BUCKETS,
            registry=registry,
        ),
        task_queue_wait=Histogram(
            "celery_task_queue_wait_time",
            "Seconds from publishing a task message to a worker starting it.",
            TASK_LABELS,
            buckets=WAIT_BUCKETS,
            registry=registry,
        ),
        worker_tasks_active=Gauge(
            "celery_worker_tasks_active",
            "Tasks the worker is executing right now.",
            ["hostname"],
            multiprocess_mode="livesum",
            registry=registry,
        ),
        task_outcomes=Counter(
            "conveyor_task_outcomes",
            "Executions of job tasks by their recorded outcome.",
            ["kind", "queue", "outcome"],
            registry=registry,
        ),
        jobs_created=Counter(
            "conveyor_jobs_created",
            "Jobs accepted and stored.",
            ["kind", "queue"],
            registry=registry,
        ),
        jobs_finished=Counter(
            "conveyor_jobs_finished",
            "Jobs that reached a final status.",
            ["kind", "queue", "status"],
            registry=registry,
        ),
        job_duration=Histogram(
            "conveyor_job_duration_seconds",
            "Seconds from a job's creation to its final status.",
            ["kind", "queue", "status"],
            buckets=JOB_DURATION_BUCKETS,
            registry=registry,
        ),
        items_finished=Counter(
            "conveyor_job_items_finished",
            "Fan-out items that reached a final status.",
            ["kind", "queue", "status"],
            registry=registry,
        ),
        reconciler_published=Counter(
            "conveyor_reconciler_published",
            "Messages the reconciler (re)published for queued rows with no live message.",
            registry=registry,
        ),
        reconciler_requeued=Counter(
            "conveyor_reconciler_requeued",
            "Running rows whose heartbeat stopped, put back in the queue by the reconciler.",
            registry=registry,
        ),
        reconciler_dead_lettered=Counter(
            "conveyor_reconciler_dead_lettered",
            "Rows the reconciler moved to dead_lettered after too many lost deliveries.",
            registry=registry,
        ),
        api_request_duration=Histogram(
            "conveyor_api_request_duration_seconds",
            "Seconds the api took to answer, by route template and status code.",
            ["method", "route", "status"],
            buckets=API_BUCKETS,
            registry=registry,
        ),
    )
