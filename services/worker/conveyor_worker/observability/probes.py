"""Kubernetes probes for workers that do not ask the broker (unlike ``celery inspect ping``),
and the worker's registry entry, refreshed with them.

A consumer bootstep touches ``alive`` from the consumer's own event loop while its broker
connection is up, and keeps ``ready`` only while connected. A worker whose event loop stalls or
whose connection is gone stops touching ``alive``; the liveness probe then fails and the kubelet
restarts it.

    python -m conveyor_worker.observability.probes live    # exit 0 if alive was touched recently
    python -m conveyor_worker.observability.probes ready   # exit 0 if the consumer is connected
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import redis
import structlog
from celery import bootsteps
from celery.worker import state

from conveyor_core.broker import workers
from conveyor_core.settings import Settings, get_settings

log = structlog.get_logger(__name__)

TOUCH_INTERVAL_SECONDS = 5.0  # well under the liveness threshold


def alive_file(settings: Settings) -> Path:
    return Path(settings.probe_dir) / "conveyor-worker.alive"


def ready_file(settings: Settings) -> Path:
    return Path(settings.probe_dir) / "conveyor-worker.ready"


class ProbeFiles(bootsteps.StartStopStep):  # type: ignore[misc]
    """Consumer step: started after the connection, stopped when the consumer loses it."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.settings = get_settings()
        self.timer_ref: Any = None
        self.registry = redis.Redis.from_url(
            self.settings.redis_dsn, socket_timeout=2, socket_connect_timeout=2
        )

    def start(self, consumer: Any) -> None:
        self._touch(consumer)
        self.timer_ref = consumer.timer.call_repeatedly(
            TOUCH_INTERVAL_SECONDS, self._touch, (consumer,), priority=10
        )

    def stop(self, consumer: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
        ready_file(self.settings).unlink(missing_ok=True)
        with contextlib.suppress(redis.RedisError):
            workers.unregister(self.registry, consumer.hostname)

    shutdown = stop

    def _touch(self, consumer: Any) -> None:
        connection = consumer.connection
        if connection is None or not connection.connected:
            ready_file(self.settings).unlink(missing_ok=True)
            return
        alive_file(self.settings).touch()
        ready_file(self.settings).touch()
        self._register(consumer)

    def _register(self, consumer: Any) -> None:
        queues = [q.name for q in consumer.task_consumer.queues] if consumer.task_consumer else []
        entry = workers.heartbeat_entry(
            consumer.hostname,
            self.settings.worker_pool,
            queues,
            getattr(consumer.controller, "concurrency", 0) or 0,
            _holding(),
        )
        try:
            workers.register(self.registry, entry)
        except redis.RedisError as error:  # the listing is informative; never stop consuming
            log.warning("worker registry not refreshed", error=repr(error))


def _holding() -> list[str]:
    """Delivery tags of the messages this worker has taken and not acknowledged: reserved or
    running (the reconciler leaves them alone; see conveyor_core.broker.unacked)."""
    tags = []
    for request in list(state.reserved_requests):
        tag = getattr(getattr(request, "message", None), "delivery_tag", None)
        if tag is not None:
            tags.append(str(tag))
    return tags


def check(kind: str, settings: Settings) -> bool:
    if kind == "ready":
        return ready_file(settings).exists()
    path = alive_file(settings)
    return path.exists() and time.time() - path.stat().st_mtime < settings.worker_liveness_seconds


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("live", "ready"):
        print("usage: python -m conveyor_worker.observability.probes live|ready", file=sys.stderr)
        return 2
    ok = check(argv[0], get_settings())
    print(f"{argv[0]}: {'ok' if ok else 'failing'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
