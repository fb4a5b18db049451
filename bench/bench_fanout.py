"""A 10,000-item diag.fanout from POST to finalized, against raw Celery draining 10,000 no-op
tasks with the same worker settings, in the same run. Target: ratio <= 1.25.

The two alternate over a few rounds (raw first, then Conveyor first, ...) and the figure is
the median of the rounds' ratios: on a shared machine the CPU available drifts within minutes,
and one pair measured back to back can see two different machines."""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import redis
from fastapi.testclient import TestClient

from bench.cpu import Meter
from bench.stack import backing_services, settings_for
from conveyor_api.main import create_app
from conveyor_cli.devstack import commands
from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.auth.service import create_key
from conveyor_core.broker.publishing import Delivery, Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.models import Job
from tests import processes

ITEMS = int(os.environ.get("BENCH_FANOUT_ITEMS", "10000"))
ROUNDS = int(os.environ.get("BENCH_FANOUT_ROUNDS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
TARGET_RATIO = 1.25
POLL_SECONDS = 0.05


def _worker(name: str, app: str, env: dict[str, str], logs: Path) -> processes.Running:
    argv = commands.worker(queues="default", concurrency=CONCURRENCY, name=name)
    argv[argv.index("conveyor_worker.app")] = app
    running = processes.start(name, argv, env, logs)
    running.wait_for_output(" ready.")
    return running


def _meter(worker: processes.Running, services: BackingServices) -> Meter:
    trees = {
        "worker parent": (worker.process.pid, False),
        "worker (all)": (worker.process.pid, True),
    }
    if services.postgres is not None and services.postgres.process is not None:
        trees["postgresql"] = (services.postgres.process.pid, True)
    if services.redis is not None and services.redis.process is not None:
        trees["redis"] = (services.redis.process.pid, True)
    trees["bench (api, publisher)"] = (os.getpid(), False)
    return Meter(trees)


def raw_celery_seconds(
    env: dict[str, str], logs: Path, services: BackingServices
) -> tuple[float, dict[str, float]]:
    os.environ["REDIS_URL"] = env["REDIS_URL"]  # the baseline app reads it when imported
    from bench import raw_celery

    worker = _worker("raw", "bench.raw_celery", env, logs)
    try:
        client = redis.Redis.from_url(env["REDIS_URL"])
        client.delete(raw_celery.COUNTER_KEY)
        publisher = Publisher(raw_celery.app)
        deliveries = [Delivery("bench.noop", "default", 5, uuid.uuid4()) for _ in range(ITEMS)]
        meter = _meter(worker, services)
        meter.start()
        started = time.perf_counter()
        publisher.publish_many(deliveries)
        while int(client.get(raw_celery.COUNTER_KEY) or 0) < ITEMS:
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - started, meter.stop()
    finally:
        worker.stop()


def conveyor_seconds(
    env: dict[str, str], logs: Path, services: BackingServices
) -> tuple[float, dict[str, float]]:
    settings = settings_for(env)
    sessions = make_sessionmaker(make_engine(settings, "conveyor.bench"))
    with transaction(sessions) as session:
        _, key = create_key(session, "bench")
    worker = _worker("conveyor", "conveyor_worker.app", env, logs)
    try:
        with TestClient(create_app(settings)) as api:
            meter = _meter(worker, services)
            meter.start()
            started = time.perf_counter()
            job = api.post(
                "/api/v1/jobs",
                headers={"Authorization": f"Bearer {key}"},
                json={"kind": "diag.fanout", "params": {"items": ITEMS, "sleep_ms": 0}},
            ).json()
            while True:
                with sessions() as session:
                    row = session.get(Job, uuid.UUID(job["id"]))
                    if row is not None and row.finalized_at is not None:
                        break
                time.sleep(POLL_SECONDS)
            elapsed = time.perf_counter() - started
            spent = meter.stop()
        assert row.status == "succeeded", row.status
        return elapsed, spent
    finally:
        worker.stop()


Measured = tuple[float, dict[str, float]]  # seconds, CPU seconds per process tree


def main() -> None:
    runs: dict[str, list[Measured]] = {"raw": [], "conveyor": []}
    with backing_services() as (services, env, scratch):
        env = {**env, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
        logs = scratch / "logs"
        logs.mkdir()
        for n in range(ROUNDS):
            order = [("raw", raw_celery_seconds), ("conveyor", conveyor_seconds)]
            for name, measure in order if n % 2 == 0 else reversed(order):
                runs[name].append(measure(env, logs, services))
    _report(runs["raw"], runs["conveyor"])


def _report(raw: list[Measured], ours: list[Measured]) -> None:
    transport = os.environ.get("BENCH_RAW_TRANSPORT", "kombu")
    print(
        f"items={ITEMS} worker concurrency={CONCURRENCY} (prefork, acks_late, prefetch 1); "
        f"raw celery on the {transport} Redis transport"
    )
    ratios = [o / r for (o, _), (r, _) in zip(ours, raw, strict=True)]
    for n, ((r, _), (o, _), ratio) in enumerate(zip(raw, ours, ratios, strict=True), 1):
        print(
            f"round {n}: raw celery {r:7.2f} s ({ITEMS / r:5.0f} tasks/s), "
            f"conveyor {o:7.2f} s ({ITEMS / o:5.0f} items/s), ratio {ratio:.2f}"
        )
    raw_s, our_s = (statistics.median(t for t, _ in runs) for runs in (raw, ours))
    print(
        f"raw celery, {ITEMS} no-op tasks drained:      {raw_s:8.2f} s "
        f"({ITEMS / raw_s:7.0f} tasks/s, median)"
    )
    print(
        f"conveyor, diag.fanout POST -> finalized:     {our_s:8.2f} s "
        f"({ITEMS / our_s:7.0f} items/s, median)"
    )
    ratio = statistics.median(ratios)
    print(
        f"ratio conveyor/raw: {ratio:.2f}, median of {len(ratios)} rounds "
        f"(target <= {TARGET_RATIO})"
    )
    print("CPU per item, ms (median)   raw celery   conveyor")
    for tree in ours[0][1]:
        raw_ms, our_ms = (
            statistics.median(1000 * spent.get(tree, 0) / ITEMS for _, spent in runs)
            for runs in (raw, ours)
        )
        print(f"  {tree:<24} {raw_ms:10.2f} {our_ms:10.2f}")
    if ratio > TARGET_RATIO:
        print("WARNING: ratio above target")
