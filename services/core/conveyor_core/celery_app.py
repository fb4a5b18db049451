"""The Celery app factory: one broker configuration for the api, the workers and beat."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from celery import Celery
from kombu.entity import Exchange
from kombu.entity import Queue as KombuQueue
from kombu.transport import redis as kombu_redis

from conveyor_core.queues import MAX_PRIORITY, PRIORITY_SEPARATOR, PRIORITY_STEPS, Queue
from conveyor_core.settings import Settings

WORKER_LOST_WAIT_SECONDS = 10.0
# kombu sweeps the unacked index every interval x throttle seconds (100 s by default): sweep
# every few seconds instead, a fraction of the visibility timeout, so an abandoned message
# comes back soon after its timeout rather than up to 100 s later.
MAX_RESTORE_INTERVAL_SECONDS = 10
RESTORE_SWEEPS_PER_TIMEOUT = 4

log = structlog.get_logger(__name__)


class _QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> None:
        # When the broker drops the worker's connection, kombu closes the channel after it has
        # already detached the connection's parameters; restoring then raises AttributeError,
        # which Celery does not treat as a connection error: the worker exits instead of
        # reconnecting (found by the chaos suite, scenario 9). The messages stay in the
        # ``unacked`` hash and come back once the visibility timeout passes.
        if self.channel.connection.client is None:
            log.warning(
                "unacked messages left to the visibility timeout", count=len(self._delivered)
            )
            self._delivered.clear()
            return
        super().restore_unacked(client)  # type: ignore[no-untyped-call]


class _Channel(kombu_redis.Channel):
    QoS = _QoS
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        # kombu builds a new redis-py client object (about 60 µs) for every ack, every task
        # event and every publish that comes without one: three per task in a worker's main
        # process, the serial part of a worker. One client over the channel's connection pool
        # serves them all; a new one replaces it when kombu replaces the pool.
        if client:
            yield client
            return
        pool = self.pool
        if self._shared_client is None or self._shared_client.connection_pool is not pool:
            self._shared_client = self._create_client()  # type: ignore[no-untyped-call]
        yield self._shared_client


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport, surviving a broker that goes away while messages are unacked,
    and reusing one Redis client per channel."""

    Channel = _Channel


BROKER_TRANSPORT = f"{__name__}:RedisTransport"


def kombu_queues() -> list[KombuQueue]:
    return [
        KombuQueue(
            str(q),
            Exchange(str(q), type="direct"),
            routing_key=str(q),
            queue_arguments={"x-max-priority": MAX_PRIORITY},
        )
        for q in Queue
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
        "task_default_priority": MAX_PRIORITY - 5,
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
