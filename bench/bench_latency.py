"""Target 4, latency: submit -> ``succeeded`` visible to the client, over 500 sequential no-op
jobs (``diag.echo``), each posted once the previous one is seen done:

- SSE: ``POST /jobs``, then ``GET /jobs/{id}/events`` until an event says ``succeeded``;
- polling: ``POST /jobs``, then ``GET /jobs/{id}`` every millisecond until ``succeeded``;
- reference: Celery's ``delay().get()`` with the Redis result backend (events off).

Each runs against a worker of its own, started and ready, after 20 unmeasured warm-up jobs
(5 in a quick run).
Target: p50 <= 10 ms, for SSE and for polling."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bench import raw_celery, report
from bench.config import rounds, size
from bench.jobs import client, post
from bench.stack import api, api_key, backing_services, worker

JOBS = size("latency_jobs", 500, 30)
WARM_UP = size("latency_warm_up", 20, 5)
POLL_SECONDS = 0.001
TARGET_P50_MS = 10.0
ECHO = {"message": "x"}


def _sse(api_client: httpx.Client) -> None:
    job = post(api_client, "diag.echo", ECHO)
    with api_client.stream("GET", f"/api/v1/jobs/{job['id']}/events") as events:
        for line in events.iter_lines():
            if line.startswith("data:") and json.loads(line[5:])["status"] == "succeeded":
                return
    raise RuntimeError(f"the event stream of {job['id']} closed before it succeeded")


def _polling(api_client: httpx.Client) -> None:
    job = post(api_client, "diag.echo", ECHO)
    while api_client.get(f"/api/v1/jobs/{job['id']}").json()["status"] != "succeeded":
        time.sleep(POLL_SECONDS)


def _timed(once: Callable[[], None]) -> list[float]:
    for _ in range(WARM_UP):
        once()
    latencies = []
    for _ in range(JOBS):
        started = time.perf_counter()
        once()
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


def conveyor(env: dict[str, str], logs: Path, url: str, key: str, how: str) -> list[float]:
    running = worker(f"conveyor-{how}", env, logs)
    try:
        with client(url, key) as api_client:
            return _timed(lambda: (_sse if how == "sse" else _polling)(api_client))
    finally:
        running.stop()


def celery(env: dict[str, str], logs: Path) -> list[float]:
    app = raw_celery.make_app("redis", env["REDIS_URL"])
    running = worker("celery", raw_celery.worker_env(env, "redis"), logs, "bench.raw_celery")
    task = app.signature("bench.echo")
    try:
        return _timed(lambda: task.delay(1).get(timeout=30))
    finally:
        running.stop()
        app.close()


def main() -> None:
    with backing_services() as (_, env, root), api(env, root / "logs") as (_, url):
        logs = root / "logs"
        _, key = api_key(env, f"latency-{uuid.uuid4().hex[:8]}")
        runs = report.alternate(
            rounds(),
            {
                "celery": lambda: celery(env, logs),
                "sse": lambda: conveyor(env, logs, url, key, "sse"),
                "polling": lambda: conveyor(env, logs, url, key, "polling"),
            },
        )
    _report(runs)


LABELS = {
    "celery": "Celery delay().get(), Redis backend",
    "sse": "Conveyor POST /jobs -> SSE succeeded",
    "polling": "Conveyor POST /jobs -> GET succeeded",
}


def _percentiles(samples: list[list[float]], p: float) -> float:
    """The median over rounds of each round's percentile."""
    return statistics.median(report.percentile(s, p) for s in samples)


def _report(runs: dict[str, list[list[float]]]) -> None:
    print(f"{JOBS} sequential jobs per round, {len(runs['sse'])} round(s); ms, median of rounds")
    for name, label in LABELS.items():
        p50, p95, p99 = (_percentiles(runs[name], p) for p in (50, 95, 99))
        print(f"{label:>38}: p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}")
    ref = runs["celery"]
    beside = "Celery delay().get() p50/p95/p99 " + "/".join(
        f"{_percentiles(ref, p):.1f}" for p in (50, 95, 99)
    )
    for name in ("sse", "polling"):
        ours = "/".join(f"{_percentiles(runs[name], p):.1f}" for p in (50, 95, 99))
        report.verdict(
            "latency",
            f"{LABELS[name]} p50 ms",
            _percentiles(runs[name], 50),
            TARGET_P50_MS,
            at_most=True,
            beside=f"p50/p95/p99 {ours} ms; {beside} ms",
        )
