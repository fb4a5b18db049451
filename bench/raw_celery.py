"""The baseline: a bare Celery app with Conveyor's broker settings on stock kombu (not
Conveyor's own Redis transport) and a task that does nothing but count itself, so draining it
measures Celery and Redis alone."""

from __future__ import annotations

import os

import redis

from conveyor_core.broker.app import create_celery_app
from conveyor_core.settings import Settings

COUNTER_KEY = "bench:raw:done"
QUEUE = "default"

settings = Settings.model_validate(
    {"REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
)
app = create_celery_app(settings, "bench.raw")
# kombu's own transport, every other setting Conveyor's; BENCH_RAW_TRANSPORT=conveyor runs the
# baseline on Conveyor's transport instead, to tell what the transport alone changes
TRANSPORT = os.environ.get("BENCH_RAW_TRANSPORT", "kombu")
if TRANSPORT == "kombu":
    app.conf.broker_transport = "redis"
_counter: redis.Redis | None = None


def noop(job_id: str, item_id: str | None = None) -> None:
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(settings.redis_dsn)
    _counter.incr(COUNTER_KEY)


app.task(name="bench.noop", queue=QUEUE, acks_late=True)(noop)
