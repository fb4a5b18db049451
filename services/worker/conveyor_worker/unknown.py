"""Deliveries of kinds this worker does not serve: Celery drops such a message, and the
reconciler would send it again forever; the row is failed instead, naming the missing kind."""

from __future__ import annotations

from typing import Any

import structlog
from celery import signals
from kombu.message import Message as KombuMessage

from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import Queue
from conveyor_worker import resources
from conveyor_worker.runtime.handle import Message, refuse

log = structlog.get_logger(__name__)


def _message(task_id: str, delivered: KombuMessage) -> Message | None:
    """The row a delivery names (its keyword arguments), or ``None`` for a foreign message."""
    try:
        _, kwargs, _ = delivered.decode()
        queue = str((delivered.delivery_info or {}).get("routing_key") or "")
        known = queue if queue in queue_set() else Queue.DEFAULT.value
        return Message(task_id, known, str(kwargs["job_id"]), kwargs.get("item_id"))
    except (TypeError, ValueError, KeyError) as error:
        log.warning("unknown task's message not understood", task_id=task_id, error=repr(error))
        return None


def on_unknown(name: str, id: str, message: KombuMessage, **_: Any) -> None:
    log.error("delivery of a kind this worker does not serve", kind=name, task_id=id)
    delivery = _message(id, message)
    if delivery is not None:
        refuse(resources.current(), name, delivery)


def connect() -> None:
    signals.task_unknown.connect(on_unknown, weak=False)
