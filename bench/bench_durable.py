"""Target 1, durable single jobs: 5,000 ``diag.echo`` jobs posted through ``POST /jobs:batch``
until every one is ``succeeded``, against Celery with the PostgreSQL result backend draining
5,000 no-ops with their results stored, and raw Celery (results ignored, events off) draining
5,000 no-ops. Each side's worker is started and ready before its clock starts; the clock stops
when the last row (job, stored result, or counter) is there.
Targets: Conveyor >= 2x the throughput of Celery + PostgreSQL backend, >= 0.8x raw Celery's."""

from __future__ import annotations

import statistics
import time
import uuid
from pathlib import Path

import httpx
import redis

from bench import raw_celery, report
from bench.config import CONCURRENCY, rounds, size
from bench.stack import Database, api, api_key, backing_services, wait_until, worker
from conveyor_core.broker.publishing import Delivery, Publisher

JOBS = size("durable_jobs", 5000, 300)
POST_BATCH = 5000  # one request per 5,000 jobs (the api takes up to 10,000)
POLL = 0.05


def _publish(app_backend: str | None, env: dict[str, str], task: str) -> None:
    app = raw_celery.make_app(app_backend, env["REDIS_URL"], env["DATABASE_URL"])
    deliveries = [Delivery(task, "default", 5, uuid.uuid4()) for _ in range(JOBS)]
    Publisher(app).publish_many(deliveries)
    app.close()


def raw_seconds(env: dict[str, str], logs: Path) -> float:
    counter = redis.Redis.from_url(env["REDIS_URL"])
    counter.delete(raw_celery.COUNTER_KEY)
    running = worker("raw", raw_celery.worker_env(env, None), logs, "bench.raw_celery")
    try:
        started = time.perf_counter()
        _publish(None, env, "bench.noop")
        done = wait_until(
            lambda: int(counter.get(raw_celery.COUNTER_KEY) or 0) >= JOBS, "raw Celery", POLL
        )
        return done - started
    finally:
        running.stop()


def pg_backend_seconds(env: dict[str, str], logs: Path, db: Database) -> float:
    app = raw_celery.make_app("postgresql", env["REDIS_URL"], env["DATABASE_URL"])
    app.backend.ResultSession().close()  # creates Celery's tables, as its worker would
    app.close()
    db.execute("TRUNCATE celery_taskmeta")
    running = worker("pg", raw_celery.worker_env(env, "postgresql"), logs, "bench.raw_celery")
    try:
        started = time.perf_counter()
        _publish("postgresql", env, "bench.stored")
        stored = "SELECT count(*) FROM celery_taskmeta WHERE status = 'SUCCESS'"
        done = wait_until(lambda: db.scalar(stored) >= JOBS, "Celery + PostgreSQL", POLL)
        return done - started
    finally:
        running.stop()


def conveyor_seconds(env: dict[str, str], logs: Path, db: Database, url: str) -> float:
    tenant, key = api_key(env, f"durable-{uuid.uuid4().hex[:8]}")
    running = worker("conveyor", env, logs)
    body = {"kind": "diag.echo", "params": {"message": "x"}}
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            started = time.perf_counter()
            for start in range(0, JOBS, POST_BATCH):
                jobs = [body] * min(POST_BATCH, JOBS - start)
                client.post(
                    "/api/v1/jobs:batch", json={"jobs": jobs}, timeout=60
                ).raise_for_status()
        unfinished = "SELECT count(*) FROM jobs WHERE tenant_id = %s AND status <> 'succeeded'"
        done = wait_until(lambda: db.scalar(unfinished, tenant) == 0, "Conveyor's jobs", POLL)
        return done - started
    finally:
        running.stop()


def main() -> None:
    with backing_services() as (_, env, root):
        logs = root / "logs"
        db = Database(env)
        with api(env, logs) as (_, url):
            runs = report.alternate(
                rounds(),
                {
                    "raw": lambda: raw_seconds(env, logs),
                    "pg": lambda: pg_backend_seconds(env, logs, db),
                    "conveyor": lambda: conveyor_seconds(env, logs, db, url),
                },
            )
        db.close()
    _report(runs)


def _report(runs: dict[str, list[float]]) -> None:
    rate = {name: [JOBS / s for s in seconds] for name, seconds in runs.items()}
    print(f"jobs={JOBS}, worker prefork concurrency {CONCURRENCY}, {len(runs['raw'])} round(s)")
    labels = {
        "raw": "raw Celery, results ignored, events off",
        "pg": "Celery + PostgreSQL result backend",
        "conveyor": "Conveyor, POST /jobs:batch -> all succeeded",
    }
    for name, label in labels.items():
        print(
            f"{label:>46}: {statistics.median(rate[name]):7.0f} jobs/s median "
            f"(rounds: {report.fmt(rate[name], '.0f')})"
        )
    ours = statistics.median(rate["conveyor"])
    for name, limit in (("pg", 2.0), ("raw", 0.8)):
        report.verdict(
            "durable",
            f"throughput vs {labels[name]}",
            report.median_ratio(rate["conveyor"], rate[name]),
            limit,
            at_most=False,
            beside=f"Conveyor {ours:.0f} jobs/s, baseline {statistics.median(rate[name]):.0f}/s",
        )
