"""Worker lifecycle: logging set up for every process, resources per pool child, metrics, traces."""

from __future__ import annotations

from typing import Any

from celery import signals

from conveyor_core.observability.logging import configure_logging
from conveyor_core.settings import Settings
from conveyor_worker import resources
from conveyor_worker.observability import metrics, tracing


def connect(settings: Settings) -> None:
    def setup_logging(**_: Any) -> None:
        configure_logging(settings, "worker")

    def process_init(**_: Any) -> None:
        resources.dispose()  # drop anything inherited from the parent through fork

    def process_shutdown(**_: Any) -> None:
        resources.dispose()

    signals.setup_logging.connect(setup_logging, weak=False)
    signals.worker_process_init.connect(process_init, weak=False)
    signals.worker_process_shutdown.connect(process_shutdown, weak=False)
    metrics.connect(settings)
    tracing.connect()
