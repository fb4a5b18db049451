"""Beat's Celery app: ``celery -A conveyor_beat.app beat``.

Beat loads the task packages' contracts (the params a schedule's jobs are validated against) and
never their implementations or worker code.
"""

from __future__ import annotations

from typing import Any

from celery import signals

from conveyor.deployment import load_kinds_or_exit
from conveyor_core.broker.app import create_celery_app
from conveyor_core.observability.logging import configure_logging
from conveyor_core.reconciler import task as reconcile_task
from conveyor_core.settings import get_settings

settings = get_settings()
load_kinds_or_exit(settings, "contracts", "beat")
app = create_celery_app(settings, "conveyor.beat")
app.conf.beat_scheduler = "conveyor_beat.scheduler:LeaderScheduler"
app.conf.beat_schedule = {
    "reconcile": {
        "task": reconcile_task.NAME,
        "schedule": settings.reconcile_interval_seconds,
        # a reconcile nobody picked up before the next one is due is worthless
        "options": {
            "queue": str(reconcile_task.QUEUE),
            "expires": settings.reconcile_interval_seconds,
        },
    },
}


def _setup_logging(**_: Any) -> None:
    configure_logging(settings, "beat")


signals.setup_logging.connect(_setup_logging, weak=False)
