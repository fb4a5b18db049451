"""The worker's Celery app: ``celery -A conveyor_worker.app worker -Q <queues>``."""

from __future__ import annotations

from conveyor_core.celery_app import create_celery_app
from conveyor_core.settings import get_settings
from conveyor_worker import registry, signals, tasks
from conveyor_worker.probes import ProbeFiles

settings = get_settings()
app = create_celery_app(settings, "conveyor.worker")
registry.bind_all(app)
tasks.maintenance.bind(app)
signals.connect(settings)
app.steps["consumer"].add(ProbeFiles)
