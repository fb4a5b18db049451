"""Target 3, the api: one api process (uvicorn, as the dev stack runs it), a load generator in a
process of its own (``bench/loadgen.py``), no worker (the jobs stay queued).

- ``POST /jobs`` sustained: offered rates rise step by step; the sustained rate is the highest
  step served in full (>= 95 % of the offer) with p99 <= 25 ms. Target >= 800 req/s.
- ``GET /jobs/{id}`` at 1,000 req/s over 1,000 jobs: p99 <= 10 ms.
- ``POST /jobs:batch`` of 10,000 jobs, one request at a time: <= 2 s.

Beside them, ``GET /healthz`` at 1,000 req/s: what the api process and the generator cost with
no work behind the route. Latencies run from when each request was due (open loop)."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

from bench import report
from bench.config import QUICK, rounds, seconds, size
from bench.jobs import client
from bench.loadgen import Load, offer
from bench.stack import api, api_key, backing_services

POST_RATES = [200, 400, 800] if QUICK else [400, 600, 800, 1000, 1200, 1600]
STEP_SECONDS = seconds(5, 1.5)
GET_RATE = 1000
GET_JOBS = 1000
BATCH = size("api_batch", 10_000, 2_000)
POST_P99_MS, GET_P99_MS, BATCH_SECONDS, POST_TARGET = 25.0, 10.0, 2.0, 800
ECHO = json.dumps({"kind": "diag.echo", "params": {"message": "x"}})


def _sustained(url: str, auth: dict[str, str]) -> tuple[float, list[Load]]:
    post = [{"method": "POST", "path": "/api/v1/jobs", "body": ECHO, "headers": auth}]
    offer(url, post, 100, 1)  # warm-up: the pool's connections, the first compiled statements
    steps, best = [], 0.0
    for rate in POST_RATES:
        load = offer(url, post, rate, STEP_SECONDS)
        steps.append(load)
        print(f"    POST /jobs {load}", flush=True)
        if load.served >= 0.95 * rate and load.p99 <= POST_P99_MS and not load.failures:
            best = rate
        elif load.p99 > 10 * POST_P99_MS:
            break  # far past saturation: higher steps only queue longer
    return best, steps


def _get(url: str, auth: dict[str, str], ids: list[str]) -> Load:
    gets = [{"method": "GET", "path": f"/api/v1/jobs/{i}", "headers": auth} for i in ids]
    offer(url, gets, 200, 1)
    return offer(url, gets, GET_RATE, STEP_SECONDS)


def _batch_seconds(url: str, key: str) -> float:
    body = {"jobs": [{"kind": "diag.echo", "params": {"message": "x"}}] * BATCH}
    with client(url, key) as api_client:
        started = time.perf_counter()
        api_client.post("/api/v1/jobs:batch", json=body).raise_for_status()
        return time.perf_counter() - started


def main() -> None:
    with backing_services() as (_, env, root), api(env, root / "logs") as (_, url):
        _, key = api_key(env, f"api-{uuid.uuid4().hex[:8]}")
        auth = {"Authorization": f"Bearer {key}"}
        with client(url, key) as api_client:
            created = api_client.post(
                "/api/v1/jobs:batch", json={"jobs": [json.loads(ECHO)] * GET_JOBS}
            )
            ids = [job["id"] for job in created.json()["items"]]
        healthz = [{"method": "GET", "path": "/healthz"}]
        runs = report.alternate(
            rounds(),
            {
                "healthz": lambda: offer(url, healthz, GET_RATE, STEP_SECONDS),
                "post": lambda: _sustained(url, auth),
                "get": lambda: _get(url, auth, ids),
                "batch": lambda: _batch_seconds(url, key),
            },
        )
    _report(runs)


def _report(runs: dict[str, list[Any]]) -> None:
    healthz: list[Load] = runs["healthz"]
    print(f"reference GET /healthz: {' | '.join(str(h) for h in healthz)}")
    beside = f"GET /healthz p99 {statistics.median(h.p99 for h in healthz):.1f} ms at {GET_RATE}/s"
    sustained = [best for best, _ in runs["post"]]
    at_target = [
        next((s for s in steps if s.offered == POST_TARGET), None) for _, steps in runs["post"]
    ]
    p99s = ", ".join(f"{s.p99:.1f}" if s else "-" for s in at_target)
    report.verdict(
        "api",
        f"POST /jobs sustained req/s with p99 <= {POST_P99_MS:g} ms",
        statistics.median(sustained),
        POST_TARGET,
        at_most=False,
        beside=f"rounds {report.fmt(sustained, '.0f')}; p99 at {POST_TARGET}/s {p99s} ms; {beside}",
    )
    gets: list[Load] = runs["get"]
    report.verdict(
        "api",
        f"GET /jobs/{{id}} p99 ms at {GET_RATE} req/s",
        statistics.median(g.p99 for g in gets),
        GET_P99_MS,
        at_most=True,
        beside=f"served {statistics.median(g.served for g in gets):.0f}/s; {beside}",
    )
    batches: list[float] = runs["batch"]
    report.verdict(
        "api",
        f"POST /jobs:batch of {BATCH} s",
        statistics.median(batches),
        BATCH_SECONDS,
        at_most=True,
        beside=f"rounds {report.fmt(batches)} s ({BATCH / statistics.median(batches):.0f} jobs/s)",
    )
