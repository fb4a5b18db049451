"""Target 2, fan-out: a 10,000-item ``diag.fanout`` from POST to finalized, against raw Celery
(results ignored, events off) publishing and draining 10,000 no-ops through the same pipelined
publisher, and against a Celery chord of 10,000 no-ops over the Redis result backend until its
callback runs. Every side runs on a worker of its own started and ready before its clock.
Targets: Conveyor <= 1.0x raw Celery's time, <= 0.5x the chord's time to its callback.

Beside the times, the CPU each process tree spent per item (the worker's main process, the
worker with its pool processes, the api, PostgreSQL, Redis, the bench process): it varies far
less than wall-clock time on a shared machine, and names the part that costs."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from pathlib import Path

import redis
from celery import chord, group

from bench import raw_celery, report
from bench.config import CONCURRENCY, rounds, size
from bench.cpu import Meter
from bench.jobs import client, fanout_seconds
from bench.stack import Database, api, api_key, backing_services, wait_until, worker
from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.broker.publishing import Delivery, Publisher
from tests import processes

ITEMS = size("fanout_items", 10_000, 500)

Measured = tuple[float, dict[str, float]]  # seconds, CPU seconds per process tree


def _meter(
    running: processes.Running, services: BackingServices, api_pid: int | None = None
) -> Meter:
    trees = {
        "worker main process": (running.process.pid, False),
        "worker with its pool": (running.process.pid, True),
    }
    if api_pid is not None:
        trees["api"] = (api_pid, False)
    if services.postgres is not None and services.postgres.process is not None:
        trees["postgresql"] = (services.postgres.process.pid, True)
    if services.redis is not None and services.redis.process is not None:
        trees["redis"] = (services.redis.process.pid, True)
    trees["bench (publisher)"] = (os.getpid(), False)
    return Meter(trees)


def raw_seconds(env: dict[str, str], logs: Path, services: BackingServices) -> Measured:
    counter = redis.Redis.from_url(env["REDIS_URL"])
    counter.delete(raw_celery.COUNTER_KEY)
    app = raw_celery.make_app(None, env["REDIS_URL"])
    running = worker("raw", raw_celery.worker_env(env, None), logs, "bench.raw_celery")
    try:
        meter = _meter(running, services)
        meter.start()
        started = time.perf_counter()
        deliveries = [Delivery("bench.noop", "default", 5, uuid.uuid4()) for _ in range(ITEMS)]
        Publisher(app).publish_many(deliveries)
        done = wait_until(
            lambda: int(counter.get(raw_celery.COUNTER_KEY) or 0) >= ITEMS, "raw Celery"
        )
        return done - started, meter.stop()
    finally:
        running.stop()
        app.close()


def chord_seconds(env: dict[str, str], logs: Path, services: BackingServices) -> Measured:
    counter = redis.Redis.from_url(env["REDIS_URL"])
    counter.delete(raw_celery.CHORD_DONE_KEY)
    app = raw_celery.make_app("redis", env["REDIS_URL"])
    running = worker("chord", raw_celery.worker_env(env, "redis"), logs, "bench.raw_celery")
    try:
        meter = _meter(running, services)
        meter.start()
        started = time.perf_counter()
        header = group(app.signature("bench.echo", args=(n,)) for n in range(ITEMS))
        chord(header, app=app)(app.signature("bench.chord_done"))
        done = wait_until(lambda: bool(counter.exists(raw_celery.CHORD_DONE_KEY)), "the chord")
        return done - started, meter.stop()
    finally:
        running.stop()
        app.close()


def conveyor_seconds(
    env: dict[str, str], logs: Path, services: BackingServices, db: Database, url: str, pid: int
) -> Measured:
    _, key = api_key(env, f"fanout-{uuid.uuid4().hex[:8]}")
    running = worker("conveyor", env, logs)
    try:
        with client(url, key) as api_client:
            meter = _meter(running, services, pid)
            meter.start()
            seconds = fanout_seconds(api_client, db, ITEMS)
            return seconds, meter.stop()
    finally:
        running.stop()


def main() -> None:
    with backing_services() as (services, env, root):
        logs = root / "logs"
        db = Database(env)
        with api(env, logs) as (api_process, url):
            pid = api_process.process.pid
            runs = report.alternate(
                rounds(),
                {
                    "raw": lambda: raw_seconds(env, logs, services),
                    "chord": lambda: chord_seconds(env, logs, services),
                    "conveyor": lambda: conveyor_seconds(env, logs, services, db, url, pid),
                },
            )
        db.close()
    _report(runs)


LABELS = {
    "raw": "raw Celery, events off, publish + drain",
    "chord": "Celery chord, Redis backend, to callback",
    "conveyor": "Conveyor diag.fanout, POST -> finalized",
}


def _report(runs: dict[str, list[Measured]]) -> None:
    print(f"items={ITEMS}, worker prefork concurrency {CONCURRENCY}, {len(runs['raw'])} round(s)")
    seconds = {name: [s for s, _ in measured] for name, measured in runs.items()}
    for name, label in LABELS.items():
        median = statistics.median(seconds[name])
        print(
            f"{label:>42}: {median:7.2f} s ({ITEMS / median:6.0f} items/s) median "
            f"(rounds: {report.fmt(seconds[name])} s)"
        )
    print("CPU per item, ms (median)   " + "".join(f"{name:>10}" for name in LABELS))
    for tree in runs["conveyor"][0][1]:
        cells = [
            statistics.median(1000 * spent.get(tree, 0.0) / ITEMS for _, spent in runs[name])
            for name in LABELS
        ]
        print(f"  {tree:<24} " + "".join(f"{c:10.2f}" for c in cells))
    ours = statistics.median(seconds["conveyor"])
    for name, limit in (("raw", 1.0), ("chord", 0.5)):
        report.verdict(
            "fanout",
            f"time vs {LABELS[name]}",
            report.median_ratio(seconds["conveyor"], seconds[name]),
            limit,
            at_most=True,
            beside=f"Conveyor {ours:.2f} s, baseline {statistics.median(seconds[name]):.2f} s",
        )
