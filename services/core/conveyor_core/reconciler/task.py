"""The reconciler's Celery task as beat sends it and the worker binds it: not a job kind (it has
no row and is not in the catalogue), so only its name and queue are shared."""

from __future__ import annotations

from conveyor_core.broker.queues import Queue

NAME = "conveyor.reconcile"
QUEUE = Queue.MAINTENANCE
