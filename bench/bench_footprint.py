"""Target 5, start and memory.

- Start: a worker process started with one task already waiting, from its ``Popen`` until that
  task is done (Conveyor: a ``diag.echo`` job's row ``succeeded``; raw Celery, events off: a
  no-op counted in Redis). Target: Conveyor <= 1.2x raw Celery.
- Memory: the RSS of a worker (its main process and its 2 pool processes, summed, as ``ps``
  shows them) and of the api process after 10,000 jobs and again after 50,000: worker <= 200 MB,
  api <= 120 MB, and no growth between the two (a leak check: at most 5 %). The jobs arrive
  through ``POST /jobs:batch`` of 1,000, plus single ``POST /jobs`` and ``GET /jobs/{id}`` (500
  each per 10,000) for the per-request path. Beside the RSS, the PSS (shared pages split among
  the processes sharing them), and raw Celery's worker after as many no-ops."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from bench import raw_celery, report
from bench.config import rounds, size
from bench.jobs import client, post
from bench.stack import Database, api, api_key, backing_services, wait_until, worker
from conveyor_core.broker.publishing import Delivery, Publisher

FIRST, LAST = size("footprint_first", 10_000, 200), size("footprint_last", 50_000, 500)
SINGLES = 500  # single POSTs and GETs per 10,000 jobs
BATCH = 1000
WORKER_MB, API_MB, START_RATIO, GROWTH = 200.0, 120.0, 1.2, 0.05
POLL = 0.2
MB = 1024 * 1024


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    pss_mb: float
    processes: int

    def __str__(self) -> str:
        return f"RSS {self.rss_mb:6.1f} MB (PSS {self.pss_mb:6.1f}, {self.processes} processes)"


def memory(pid: int, *, tree: bool) -> Memory:
    root = psutil.Process(pid)
    members = [root, *root.children(recursive=True)] if tree else [root]
    infos = [p.memory_full_info() for p in members]
    return Memory(sum(i.rss for i in infos) / MB, sum(i.pss for i in infos) / MB, len(infos))


def raw_start_seconds(env: dict[str, str], logs: Path) -> float:
    counter = redis.Redis.from_url(env["REDIS_URL"])
    counter.delete(raw_celery.COUNTER_KEY)
    app = raw_celery.make_app(None, env["REDIS_URL"])
    Publisher(app).publish(Delivery("bench.noop", "default", 5, uuid.uuid4()))
    app.close()
    started = time.perf_counter()
    running = worker(
        "raw-start", raw_celery.worker_env(env, None), logs, "bench.raw_celery", ready=False
    )
    try:
        done = wait_until(lambda: bool(counter.get(raw_celery.COUNTER_KEY)), "raw Celery's task")
        return done - started
    finally:
        running.stop()


def conveyor_start_seconds(env: dict[str, str], logs: Path, db: Database, url: str) -> float:
    _, key = api_key(env, f"start-{uuid.uuid4().hex[:8]}")
    with client(url, key) as api_client:
        job = post(api_client, "diag.echo", {"message": "x"})
    started = time.perf_counter()
    running = worker("conveyor-start", env, logs, ready=False)
    status = "SELECT status FROM jobs WHERE id = %s"
    try:
        done = wait_until(lambda: db.scalar(status, job["id"]) == "succeeded", "the first job")
        return done - started
    finally:
        running.stop()


def _at_least(read: Callable[[], int], total: int) -> Callable[[], bool]:
    return lambda: read() >= total


def _submit(url: str, key: str, count: int) -> None:
    singles = SINGLES * count // 10_000
    with client(url, key) as api_client:
        for start in range(0, count - singles, BATCH):
            jobs = [{"kind": "diag.echo", "params": {"message": "x"}}] * min(
                BATCH, count - singles - start
            )
            api_client.post("/api/v1/jobs:batch", json={"jobs": jobs}).raise_for_status()
        for _ in range(singles):
            job = post(api_client, "diag.echo", {"message": "x"})
            api_client.get(f"/api/v1/jobs/{job['id']}").raise_for_status()


def conveyor_memory(
    env: dict[str, str], logs: Path, db: Database, url: str, api_pid: int
) -> list[tuple[Memory, Memory]]:
    tenant, key = api_key(env, f"memory-{uuid.uuid4().hex[:8]}")
    running = worker("conveyor-memory", env, logs)
    done = "SELECT count(*) FROM jobs WHERE tenant_id = %s AND status = 'succeeded'"
    checkpoints = []
    try:
        for total, more in ((FIRST, FIRST), (LAST, LAST - FIRST)):
            _submit(url, key, more)
            wait_until(_at_least(lambda: db.scalar(done, tenant), total), f"{total} jobs", POLL)
            at = (memory(running.process.pid, tree=True), memory(api_pid, tree=False))
            print(f"    after {total} jobs: worker {at[0]}, api {at[1]}", flush=True)
            checkpoints.append(at)
        return checkpoints
    finally:
        running.stop()


def raw_memory(env: dict[str, str], logs: Path) -> list[Memory]:
    counter = redis.Redis.from_url(env["REDIS_URL"])
    counter.delete(raw_celery.COUNTER_KEY)
    app = raw_celery.make_app(None, env["REDIS_URL"])
    running = worker("raw-memory", raw_celery.worker_env(env, None), logs, "bench.raw_celery")
    checkpoints = []
    try:
        for total, more in ((FIRST, FIRST), (LAST, LAST - FIRST)):
            Publisher(app).publish_many(
                [Delivery("bench.noop", "default", 5, uuid.uuid4()) for _ in range(more)]
            )
            ran = _at_least(lambda: int(counter.get(raw_celery.COUNTER_KEY) or 0), total)
            wait_until(ran, f"{total} no-ops", POLL)
            checkpoints.append(memory(running.process.pid, tree=True))
        return checkpoints
    finally:
        running.stop()
        app.close()


def main() -> None:
    with backing_services() as (_, env, root), api(env, root / "logs") as (api_process, url):
        logs = root / "logs"
        db = Database(env)
        starts = report.alternate(
            rounds(),
            {
                "raw": lambda: raw_start_seconds(env, logs),
                "conveyor": lambda: conveyor_start_seconds(env, logs, db, url),
            },
        )
        print("  memory: raw Celery", flush=True)
        raw = raw_memory(env, logs)
        print("  memory: Conveyor", flush=True)
        ours = conveyor_memory(env, logs, db, url, api_process.process.pid)
        db.close()
    _report(starts, raw, ours)


def _report(
    starts: dict[str, list[float]], raw: list[Memory], ours: list[tuple[Memory, Memory]]
) -> None:
    report.verdict(
        "footprint",
        "worker start -> first task done, ratio to raw Celery",
        report.median_ratio(starts["conveyor"], starts["raw"]),
        START_RATIO,
        at_most=True,
        beside=f"Conveyor {statistics.median(starts['conveyor']):.2f} s "
        f"(rounds {report.fmt(starts['conveyor'])}), raw Celery "
        f"{statistics.median(starts['raw']):.2f} s (rounds {report.fmt(starts['raw'])})",
    )
    (worker_first, api_first), (worker_last, api_last) = ours
    print(f"raw Celery worker after {FIRST} no-ops: {raw[0]}; after {LAST}: {raw[1]}")
    print(f"Conveyor worker after {FIRST} jobs: {worker_first}; after {LAST}: {worker_last}")
    print(f"Conveyor api after {FIRST} jobs: {api_first}; after {LAST}: {api_last}")
    report.verdict(
        "footprint",
        f"worker RSS MB after {FIRST} jobs (main + pool)",
        worker_first.rss_mb,
        WORKER_MB,
        at_most=True,
        beside=f"PSS {worker_first.pss_mb:.1f} MB; raw Celery's worker {raw[0]}",
    )
    report.verdict(
        "footprint",
        f"api RSS MB after {FIRST} jobs",
        api_first.rss_mb,
        API_MB,
        at_most=True,
        beside=f"PSS {api_first.pss_mb:.1f} MB",
    )
    for name, first, last, baseline in (
        (
            "worker",
            worker_first,
            worker_last,
            f"raw Celery {raw[0].rss_mb:.1f} -> {raw[1].rss_mb:.1f} MB",
        ),
        ("api", api_first, api_last, "no baseline"),
    ):
        report.verdict(
            "footprint",
            f"{name} RSS growth from {FIRST} to {LAST} jobs",
            last.rss_mb / first.rss_mb - 1,
            GROWTH,
            at_most=True,
            beside=f"{first.rss_mb:.1f} -> {last.rss_mb:.1f} MB; {baseline}",
        )
