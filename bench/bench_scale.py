"""Target 6, scale: the same figures on an empty database and on one already holding 1,000,000
finished jobs and 5,000,000 items (``bench/scale_data.py``), two databases of one PostgreSQL
server measured in alternating rounds:

- ``POST /jobs`` p99 and ``GET /jobs?status=failed`` / ``?status=succeeded`` p99, each offered
  at 50 req/s from the load generator's process (the posted jobs go to queue ``tools``, which
  the bench's worker does not consume, so they never run);
- a reconciler pass (``reconcile_once``, in the bench process), median of 5;
- a 10,000-item ``diag.fanout``, POST -> finalized.

Targets: each loaded figure within 1.5x of the empty one. On the empty database, fan-outs of
1,000, 10,000 and 100,000 items keep the same time per item (within 20 % of the 10,000-item
fan-out's; the 100,000-item one runs once, after the rounds)."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from bench import report, scale_data
from bench.config import QUICK, rounds, seconds, size
from bench.jobs import client, fanout_seconds
from bench.loadgen import offer
from bench.stack import (
    Database,
    api,
    api_key,
    backing_services,
    settings_for,
    worker,
)
from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.db.migrate import upgrade
from conveyor_core.reconciler.service import reconcile_once

JOBS = size("scale_jobs", 1_000_000, 10_000)
ITEMS = size("scale_items", 5_000_000, 50_000)
FANOUT = size("scale_fanout", 10_000, 500)
SMALL_FANOUT = size("scale_small_fanout", 1_000, 100)
LARGE_FANOUT = size("scale_large_fanout", 100_000, 2_000)
RATE = 50
WINDOW = seconds(8, 2)
RECONCILER_PASSES = 5
WITHIN, PER_ITEM = 1.5, 0.2
LOADED_DATABASE = "conveyor_loaded"
ECHO = json.dumps({"kind": "diag.echo", "params": {"message": "x"}, "queue": "tools"})


@dataclass(frozen=True)
class Figures:
    post_p99: float
    failed_p99: float
    succeeded_p99: float
    reconciler_ms: float
    fanout_s: float
    small_fanout_s: float | None


def _reconciler_ms(env: dict[str, str]) -> float:
    settings = settings_for(env)
    engine = make_engine(settings, "conveyor.bench")
    app = create_celery_app(settings, "conveyor.bench")
    sessions, publisher, passes = make_sessionmaker(engine), Publisher(app), []
    broker = redis.Redis.from_url(settings.redis_dsn)
    for _ in range(RECONCILER_PASSES):
        started = time.perf_counter()
        reconcile_once(sessions, publisher, broker)
        passes.append(1000 * (time.perf_counter() - started))
    broker.close()
    app.close()
    engine.dispose()
    return statistics.median(passes)


def measure(env: dict[str, str], logs: Path, key: str, *, small: bool) -> Figures:
    auth = {"Authorization": f"Bearer {key}"}
    post = [{"method": "POST", "path": "/api/v1/jobs", "body": ECHO, "headers": auth}]
    lists = {
        status: [{"method": "GET", "path": f"/api/v1/jobs?status={status}", "headers": auth}]
        for status in ("failed", "succeeded")
    }
    db = Database(env)
    with api(env, logs) as (_, url):
        offer(url, post, 20, 1)  # warm-up
        posts = offer(url, post, RATE, WINDOW)
        gets = {status: offer(url, requests, RATE, WINDOW) for status, requests in lists.items()}
        print(f"    POST /jobs {posts}; GET ?status=failed {gets['failed']}", flush=True)
        reconciler = _reconciler_ms(env)
        running = worker("scale", env, logs)
        try:
            with client(url, key) as api_client:
                small_s = fanout_seconds(api_client, db, SMALL_FANOUT) if small else None
                fanout_s = fanout_seconds(api_client, db, FANOUT)
        finally:
            running.stop()
    db.close()
    return Figures(
        posts.p99, gets["failed"].p99, gets["succeeded"].p99, reconciler, fanout_s, small_s
    )


def main() -> None:
    with backing_services() as (services, env, root):
        logs = root / "logs"
        if services.postgres is None:
            raise SystemExit(
                "the scale benchmark needs the embedded PostgreSQL (no BENCH_DATABASE_URL)"
            )
        services.postgres.create_database(LOADED_DATABASE)
        loaded = {**env, "DATABASE_URL": services.postgres.url(LOADED_DATABASE)}
        upgrade(loaded["DATABASE_URL"])
        _, empty_key = api_key(env, "scale")
        tenant, loaded_key = api_key(loaded, "scale")
        print(f"  loading {JOBS} jobs and {ITEMS} items", flush=True)
        db = Database(loaded)
        print(f"  loaded in {scale_data.load(db, tenant, JOBS, ITEMS):.0f} s", flush=True)
        db.close()
        runs = report.alternate(
            rounds(),
            {
                "empty": lambda: measure(env, logs, empty_key, small=True),
                "loaded": lambda: measure(loaded, logs, loaded_key, small=False),
            },
        )
        large = _large_fanout(env, logs, empty_key)
    _report(runs, large)


def _large_fanout(env: dict[str, str], logs: Path, key: str) -> float:
    print(f"  a {LARGE_FANOUT}-item fan-out on the empty database", flush=True)
    db = Database(env)
    with api(env, logs) as (_, url), client(url, key) as api_client:
        running = worker("scale-large", env, logs)
        try:
            return fanout_seconds(api_client, db, LARGE_FANOUT)
        finally:
            running.stop()
            db.close()


FIELDS = {
    "post_p99": "POST /jobs p99 ms",
    "failed_p99": "GET /jobs?status=failed p99 ms",
    "succeeded_p99": "GET /jobs?status=succeeded p99 ms",
    "reconciler_ms": "reconciler pass ms",
    "fanout_s": f"{FANOUT}-item fan-out s",
}


def _report(runs: dict[str, list[Figures]], large_s: float) -> None:
    print(f"loaded: {JOBS} finished jobs, {ITEMS} items; {len(runs['empty'])} round(s)")
    for field, label in FIELDS.items():
        empty = [getattr(f, field) for f in runs["empty"]]
        loaded = [getattr(f, field) for f in runs["loaded"]]
        report.verdict(
            "scale",
            f"{label}, loaded / empty",
            report.median_ratio(loaded, empty),
            WITHIN,
            at_most=True,
            beside=f"empty {report.fmt(empty)}, loaded {report.fmt(loaded)}",
        )
    per_item = statistics.median(f.fanout_s / FANOUT for f in runs["empty"])
    small = statistics.median(f.small_fanout_s or 0.0 for f in runs["empty"]) / SMALL_FANOUT
    for items, each in ((SMALL_FANOUT, small), (LARGE_FANOUT, large_s / LARGE_FANOUT)):
        report.verdict(
            "scale",
            f"time per item of a {items}-item fan-out, off the {FANOUT}-item one's",
            abs(each / per_item - 1),
            PER_ITEM,
            at_most=True,
            beside=f"{1000 * each:.2f} ms per item against {1000 * per_item:.2f}",
        )
    if QUICK:
        print("(quick run: sizes far below the target's)")
