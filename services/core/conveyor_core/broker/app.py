"""The Celery app factory: one broker configuration for the api, the workers and beat."""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Exchange
from kombu.entity import Queue as KombuQueue

from conveyor_core.broker import transport
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    PRIORITY_SEPARATOR,
    PRIORITY_STEPS,
    Queue,
    broker_priority,
)
from conveyor_core.settings import Settings

WORKER_LOST_WAIT_SECONDS = 10.0
# kombu sweeps the unacked index every interval x throttle seconds (100 s by default): sweep
# every few seconds instead, a fraction of the visibility timeout, so an abandoned message
# comes back soon after its timeout rather than up to 100 s later.
MAX_RESTORE_INTERVAL_SECONDS = 10
RESTORE_SWEEPS_PER_TIMEOUT = 4

BROKER_TRANSPORT = f"{transport.__name__}:RedisTransport"


def kombu_queues() -> list[KombuQueue]:
    return [
        KombuQueue(
            str(q),
            Exchange(str(q), type="direct"),
            routing_key=str(q),
            queue_arguments={"x-max-priority": MAX_PRIORITY},
        )
        for q in queue_set()
    ]


def _restore_interval(settings: Settings) -> int:
    fraction = settings.visibility_timeout_seconds // RESTORE_SWEEPS_PER_TIMEOUT
    return max(1, min(MAX_RESTORE_INTERVAL_SECONDS, fraction))


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    return {
        "visibility_timeout": settings.visibility_timeout_seconds,
        "unacked_restore_interval": _restore_interval(settings),
        "unacked_restore_throttle": 1,
        "priority_steps": PRIORITY_STEPS,
        "sep": PRIORITY_SEPARATOR,
        "queue_order_strategy": "priority",
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "health_check_interval": 25,
    }


def celery_config(settings: Settings) -> dict[str, Any]:
    return {
        "broker_url": settings.redis_dsn,
        "broker_transport": BROKER_TRANSPORT,
        "broker_transport_options": broker_transport_options(settings),
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "result_backend": None,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_queues": kombu_queues(),
        "task_default_queue": str(Queue.DEFAULT),
        "task_create_missing_queues": False,
        "task_default_priority": broker_priority(DEFAULT_PRIORITY),
        "task_acks_late": True,
        # A lost worker's message goes back to the queue; our delivery counter in PostgreSQL
        # dead-letters a row that keeps killing its worker, so this cannot loop forever.
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_lost_wait": WORKER_LOST_WAIT_SECONDS,
        "worker_soft_shutdown_timeout": settings.worker_soft_shutdown_seconds,
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_send_task_events": settings.task_events,
        "task_send_sent_event": False,  # a PUBLISH per message; our rows record sending
        "worker_hijack_root_logger": False,
        "enable_utc": True,
        "timezone": "UTC",
    }


def create_celery_app(settings: Settings, name: str = "conveyor") -> Celery:
    app = Celery(name, set_as_current=False)
    app.conf.update(celery_config(settings))
    return app
