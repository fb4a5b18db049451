"""Worker metrics: celery-exporter's task families, recorded in every pool process and served
by the main process on ``CONVEYOR_METRICS_PORT``.

Under prefork each process writes prometheus_client's multiprocess files into one directory; it
is emptied when the worker starts, and the files of children that died are dropped at the next
scrape, so a killed child's live gauges (tasks active) vanish with it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from celery import signals
from prometheus_client import CollectorRegistry, multiprocess, start_http_server, values
from prometheus_client.registry import Collector

from conveyor_core.observability import publish as publish_metrics
from conveyor_core.observability.metrics import Metrics, build_metrics, hostname_label
from conveyor_core.reconciler import task as reconcile_task
from conveyor_core.settings import Settings
from conveyor_worker.observability.outcomes import Outcome, job_finished, task_outcome

log = structlog.get_logger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_UNAVAILABLE_EXIT = 78  # EX_CONFIG: the process was configured with a port it cannot have
CELERY_SUCCEEDED = {
    Outcome.SUCCEEDED,
    Outcome.IGNORED,
    Outcome.DROPPED,
    Outcome.FANNED_OUT,
}  # the task itself did fine
FINAL_STATUS = {Outcome.SUCCEEDED: "succeeded", Outcome.FAILED: "failed"}


@dataclass
class _State:
    metrics: Metrics | None = None
    hostname: str = "unknown"


_state = _State()
_running = threading.local()  # the task this thread executes: its start and reported outcome


def prepare_multiprocess_dir() -> Path:
    """Point prometheus_client at an emptied directory before any metric value exists."""
    path = Path(
        os.environ.get(MULTIPROC_ENV)
        or Path(tempfile.gettempdir()) / (f"conveyor-metrics-{os.getpid()}")
    )
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    # prometheus_client picks its value class at import; this process may have imported it first
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return path


class LiveProcessesCollector(Collector):
    """prometheus_client's multiprocess sum, after dropping the live gauges of dead children."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._files = multiprocess.MultiProcessCollector(None, path=str(path))  # type: ignore[no-untyped-call]

    def collect(self) -> Any:
        for pid in _pids_with_files(self._path):
            if not _alive(pid):
                multiprocess.mark_process_dead(pid, str(self._path))  # type: ignore[no-untyped-call]
        return self._files.collect()  # type: ignore[no-untyped-call]


def _pids_with_files(path: Path) -> set[int]:
    pids = set()
    for file in path.glob("gauge_live*_*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit():
            pids.add(int(pid))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(settings: Settings, registry: CollectorRegistry) -> None:
    """Serve ``registry`` on the metrics port, or stop the worker: a worker whose metrics nobody
    can scrape must not run on as if nothing were wrong (SystemExit passes through the signal
    that calls this, unlike an ordinary exception, which Celery would log and forget)."""
    try:
        start_http_server(settings.metrics_port, settings.metrics_host, registry=registry)
    except OSError as error:
        log.error(
            "metrics port unavailable",
            port=settings.metrics_port,
            host=settings.metrics_host,
            error=repr(error),
        )
        print(
            f"conveyor worker: cannot serve metrics on {settings.metrics_host}:"
            f"{settings.metrics_port} ({error.strerror or error}); set CONVEYOR_METRICS_PORT to a "
            "free port, or CONVEYOR_METRICS_ENABLED=false",
            file=sys.stderr,
        )
        raise SystemExit(METRICS_UNAVAILABLE_EXIT) from error


def metrics() -> Metrics:
    assert _state.metrics is not None, "worker metrics are set up at worker_init"
    return _state.metrics


def _queue_of(request: Any) -> str:
    return str((getattr(request, "delivery_info", None) or {}).get("routing_key") or "")


def connect(settings: Settings) -> None:
    if not settings.metrics_enabled:
        return
    _connect_main(settings)
    _connect_tasks()


def _connect_main(settings: Settings) -> None:
    def worker_init(sender: Any = None, **_: Any) -> None:
        path = prepare_multiprocess_dir()
        _state.metrics = build_metrics(CollectorRegistry())
        _state.hostname = hostname_label(getattr(sender, "hostname", None), settings)
        publish_metrics.connect(_state.metrics, _state.hostname)
        registry = CollectorRegistry()
        registry.register(LiveProcessesCollector(path))
        serve(settings, registry)
        log.info("metrics served", port=settings.metrics_port, multiprocess_dir=str(path))

    def received(request: Any = None, **_: Any) -> None:
        labels = (request.name, _state.hostname, _queue_of(request))
        _create_series(metrics(), labels)
        metrics().task_received.labels(*labels).inc()
        # like its start, an item's arrival is DEBUG: a fan-out of thousands logs each item's
        # outcome, not three lines per item
        item = (getattr(request, "kwargs", None) or {}).get("item_id")
        (log.debug if item else log.info)(
            "task received", task_id=request.id, task=request.name, queue=_queue_of(request)
        )

    def revoked(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
        name = getattr(sender, "name", None) or str(sender)
        metrics().task_revoked.labels(name, _state.hostname, _queue_of(request)).inc()
        log.info(
            "task revoked",
            task_id=getattr(request, "id", None),
            task=name,
            terminated=kwargs.get("terminated"),
            expired=kwargs.get("expired"),
        )

    def rejected(message: Any = None, **_: Any) -> None:
        name = str((getattr(message, "headers", None) or {}).get("task", "unknown"))
        metrics().task_rejected.labels(name, _state.hostname, _queue_of(message)).inc()
        log.warning("task rejected", task=name)

    signals.worker_init.connect(worker_init, weak=False)
    signals.task_received.connect(received, weak=False)
    signals.task_revoked.connect(revoked, weak=False)
    signals.task_rejected.connect(rejected, weak=False)


def _connect_tasks() -> None:
    def prerun(task: Any = None, **_: Any) -> None:
        request = task.request
        labels = (task.name, _state.hostname, _queue_of(request))
        _running.started, _running.outcome = time.monotonic(), None
        m = metrics()
        m.task_started.labels(*labels).inc()
        m.worker_tasks_active.labels(_state.hostname).inc()
        waited = publish_metrics.queue_wait_seconds(request)
        if waited is not None:
            m.task_queue_wait.labels(*labels).observe(waited)

    def postrun(task: Any = None, state: str | None = None, retval: Any = None, **_: Any) -> None:
        m = metrics()
        labels = (task.name, _state.hostname, _queue_of(task.request))
        m.worker_tasks_active.labels(_state.hostname).dec()
        succeeded = _count_result(m, labels, getattr(_running, "outcome", None), state, retval)
        started = getattr(_running, "started", None)
        if succeeded and started is not None:  # as celery-exporter: successful runs only
            m.task_runtime.labels(*labels).observe(time.monotonic() - started)
        if task.name == reconcile_task.NAME and isinstance(retval, dict):
            _count_reconcile(m, retval)
        _running.started = _running.outcome = None

    def process_shutdown(**_: Any) -> None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    signals.task_prerun.connect(prerun, weak=False)
    signals.task_postrun.connect(postrun, weak=False)
    signals.worker_process_shutdown.connect(process_shutdown, weak=False)
    task_outcome.connect(_on_outcome, weak=False)
    job_finished.connect(_on_job_finished, weak=False)


def _on_outcome(
    kind: str = "",
    queue: str = "",
    outcome: Outcome = Outcome.SUCCEEDED,
    exception: str | None = None,
    job_id: str = "",
    item_id: str | None = None,
    **_: Any,
) -> None:
    _running.outcome = (outcome, exception)
    m = metrics()
    m.task_outcomes.labels(kind, queue, str(outcome)).inc()
    status = FINAL_STATUS.get(outcome)
    if status is None:
        return
    if item_id:
        m.items_finished.labels(kind, queue, status).inc()


def _on_job_finished(
    kind: str = "", queue: str = "", status: str = "", duration_seconds: float = 0.0, **_: Any
) -> None:
    m = metrics()
    m.jobs_finished.labels(kind, queue, status).inc()
    m.job_duration.labels(kind, queue, status).observe(duration_seconds)


def _create_series(m: Metrics, labels: tuple[str, str, str]) -> None:
    """The first message of a (task, queue) in this process creates its series at 0, as
    celery-exporter does: a success rate has a denominator and a numerator from the start,
    and ``increase()`` counts the first events (Prometheus's advice for known label sets)."""
    if labels in _created:
        return
    _created.add(labels)
    for counter in (
        m.task_received,
        m.task_started,
        m.task_succeeded,
        m.task_retried,
        m.task_rejected,
        m.task_revoked,
    ):
        counter.labels(*labels)
    m.task_failed.labels(*labels, "")
    m.task_runtime.labels(*labels)


_created: set[tuple[str, str, str]] = set()  # bounded by tasks x queues


def _count_result(
    m: Metrics,
    labels: tuple[str, str, str],
    reported: tuple[Outcome, str | None] | None,
    state: str | None,
    retval: Any,
) -> bool:
    """Count the execution's outcome; whether it counts as a success."""
    if reported is not None:
        outcome, exception = reported
        if outcome in CELERY_SUCCEEDED:
            m.task_succeeded.labels(*labels).inc()
            return True
        if outcome is Outcome.RETRIED:
            m.task_retried.labels(*labels).inc()
        else:
            m.task_failed.labels(*labels, exception or "unknown").inc()
        return False
    if state == "SUCCESS":
        m.task_succeeded.labels(*labels).inc()
        return True
    if state == "RETRY":
        m.task_retried.labels(*labels).inc()
    elif state == "FAILURE":
        m.task_failed.labels(*labels, type(retval).__name__).inc()
    return False


def _count_reconcile(m: Metrics, report: dict[str, Any]) -> None:
    m.reconciler_published.inc(int(report.get("published", 0)))
    m.reconciler_requeued.inc(int(report.get("requeued", 0)))
    m.reconciler_dead_lettered.inc(int(report.get("dead_lettered", 0)))
