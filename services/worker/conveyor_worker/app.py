"""The worker's Celery app, ``celery -A conveyor_worker.app worker -Q <queues>``: the one place
that builds it, loads the task packages (``conveyor.discovery``: contracts and implementations),
binds a Celery task per kind (and the reconciler's), installs the per-process resources and
connects the signals. A task package that cannot be served stops the worker here, at start."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import Celery, Task

from conveyor.deployment import load_kinds_or_exit
from conveyor.kinds import Kind
from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.jobs import kinds
from conveyor_core.reconciler import task as reconcile_task
from conveyor_core.settings import Settings, get_settings
from conveyor_worker import resources, signals, tasks, unknown
from conveyor_worker.observability.probes import ProbeFiles
from conveyor_worker.runtime import finalize
from conveyor_worker.runtime.handle import Message, handle


def _bind(app: Celery, kind: Kind) -> None:
    """One Celery task for a kind, with its queue's time limits."""
    policy = queue_set().policy(kind.queue)

    def execute(task: Task, job_id: str, item_id: str | None = None, **_: Any) -> None:
        # the queue the message really came from: a job may override its kind's queue
        queue = (task.request.delivery_info or {}).get("routing_key") or kind.queue
        message = Message(task.request.id, queue, job_id, item_id)
        handle(resources.current(), kind, message)

    app.task(
        name=kind.name,
        bind=True,
        queue=kind.queue,
        soft_time_limit=policy.soft_time_limit_seconds,
        time_limit=policy.time_limit_seconds,
        acks_late=True,
    )(execute)


def _reconcile() -> dict[str, Any]:
    return asdict(tasks.maintenance.reconcile(resources.current()))


def create_app(settings: Settings) -> Celery:
    catalogue = load_kinds_or_exit(settings, "worker", "worker")
    kinds.install(catalogue, finalize.finishers(catalogue))
    app = create_celery_app(settings, "conveyor.worker")
    resources.install(settings, app)
    for kind in catalogue:
        _bind(app, kind)
    app.task(name=reconcile_task.NAME, queue=str(reconcile_task.QUEUE), ignore_result=True)(
        _reconcile
    )
    signals.connect(settings)
    unknown.connect()
    app.steps["consumer"].add(ProbeFiles)
    return app


app = create_app(get_settings())
