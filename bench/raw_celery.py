"""The baselines: bare Celery apps as teams deploy them, nothing of Conveyor imported: stock
kombu Redis transport, acks_late, prefetch 1, JSON, task events **off**. ``backend`` picks what
keeps the tasks' results:

- ``None``: results ignored; a task counts itself in Redis, so draining measures Celery alone;
- ``"postgresql"``: Celery's database backend (``db+postgresql://``), every result stored, the
  usual way to keep task records durable;
- ``"redis"``: the Redis result backend, for ``delay().get()`` and for chords.

A worker runs ``-A bench.raw_celery``: the module's ``app``, whose backend BENCH_RAW_BACKEND
names."""

from __future__ import annotations

import os
import time
from typing import Any

import redis
from celery import Celery

COUNTER_KEY = "bench:raw:done"
CHORD_DONE_KEY = "bench:raw:chord-done"
QUEUE = "default"
BACKENDS = (None, "postgresql", "redis")

_counter: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _counter


# one callable per task name for every app of a process (Celery warns about two)
def noop(job_id: str = "", item_id: str | None = None) -> None:
    _redis().incr(COUNTER_KEY)


def stored(job_id: str = "", item_id: str | None = None) -> None:
    """Does nothing; its result (None) is what the backend stores."""


def echo(value: Any = None) -> Any:
    return value


def chord_done(results: list[Any]) -> int:
    _redis().set(CHORD_DONE_KEY, repr(time.time()))
    return len(results)


def result_backend(backend: str | None, redis_url: str, database_url: str) -> str | None:
    if backend == "postgresql":
        # Celery's database backend through SQLAlchemy, on the driver Conveyor uses
        return "db+" + database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if backend == "redis":
        return redis_url
    return None


def make_app(backend: str | None, redis_url: str, database_url: str = "") -> Celery:
    url = result_backend(backend, redis_url, database_url)
    app = Celery("bench.raw", set_as_current=False)
    app.conf.update(
        broker_url=redis_url,
        broker_connection_retry_on_startup=True,
        result_backend=url,
        task_ignore_result=url is None,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
    )
    # BENCH_RAW_TRANSPORT=conveyor puts the baseline on Conveyor's Redis transport (imported by
    # name when the worker connects), to tell what the transport alone changes
    if os.environ.get("BENCH_RAW_TRANSPORT") == "conveyor":
        app.conf.broker_transport = "conveyor_core.broker.transport:RedisTransport"

    app.task(name="bench.noop", queue=QUEUE, acks_late=True)(noop)
    app.task(name="bench.stored", queue=QUEUE, acks_late=True)(stored)
    app.task(name="bench.echo", queue=QUEUE, acks_late=True)(echo)
    app.task(name="bench.chord_done", queue=QUEUE, acks_late=True)(chord_done)
    return app


def worker_env(env: dict[str, str], backend: str | None) -> dict[str, str]:
    return {**env, "BENCH_RAW_BACKEND": backend or ""}


app = make_app(
    os.environ.get("BENCH_RAW_BACKEND") or None,
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    os.environ.get("DATABASE_URL", ""),
)
