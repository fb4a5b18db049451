"""A 10,000-item diag.fanout from POST to finalized, against raw Celery draining 10,000 no-op
tasks with the same worker settings, in the same run. Target: ratio <= 1.25."""

from __future__ import annotations

import os
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
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.models import Job
from conveyor_core.publishing import Delivery, Publisher
from tests import processes

ITEMS = int(os.environ.get("BENCH_FANOUT_ITEMS", "10000"))
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


def main() -> None:
    with backing_services() as (services, env, scratch):
        env = {**env, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
        logs = scratch / "logs"
        logs.mkdir()
        raw, raw_cpu = raw_celery_seconds(env, logs, services)
        ours, our_cpu = conveyor_seconds(env, logs, services)
    ratio = ours / raw
    print(f"items={ITEMS} worker concurrency={CONCURRENCY} (prefork, acks_late, prefetch 1)")
    print(
        f"raw celery, {ITEMS} no-op tasks drained:      {raw:8.2f} s ({ITEMS / raw:7.0f} tasks/s)"
    )
    print(
        f"conveyor, diag.fanout POST -> finalized:     {ours:8.2f} s ({ITEMS / ours:7.0f} items/s)"
    )
    print(f"ratio conveyor/raw: {ratio:.2f} (target <= {TARGET_RATIO})")
    print("CPU per item, ms            raw celery   conveyor")
    for tree in our_cpu:
        raw_ms, our_ms = (1000 * spent.get(tree, 0) / ITEMS for spent in (raw_cpu, our_cpu))
        print(f"  {tree:<24} {raw_ms:10.2f} {our_ms:10.2f}")
