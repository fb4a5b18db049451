"""What every publishing process records: tasks sent, and the moment each message left.

The timestamp travels in a message header so the worker can tell how long the task waited.
"""

from __future__ import annotations

import time
from typing import Any

from celery import signals

from conveyor_core.observability.metrics import Metrics

SENT_AT_HEADER = "conveyor_sent_at"


def connect(metrics: Metrics, hostname: str) -> None:
    def stamp(headers: dict[str, Any] | None = None, **_: Any) -> None:
        if headers is not None:
            headers[SENT_AT_HEADER] = time.time()

    def count(sender: str | None = None, routing_key: str | None = None, **_: Any) -> None:
        metrics.task_sent.labels(str(sender), hostname, routing_key or "").inc()

    signals.before_task_publish.connect(stamp, weak=False, dispatch_uid="conveyor.metrics.stamp")
    signals.after_task_publish.connect(count, weak=False, dispatch_uid="conveyor.metrics.sent")


def queue_wait_seconds(request: Any, now: float | None = None) -> float | None:
    """How long the message of ``request`` (a task's request context) waited; None if unknown."""
    sent_at = getattr(request, SENT_AT_HEADER, None)
    if sent_at is None:
        sent_at = (getattr(request, "headers", None) or {}).get(SENT_AT_HEADER)
    if not isinstance(sent_at, int | float):
        return None
    return max(0.0, (now or time.time()) - float(sent_at))
