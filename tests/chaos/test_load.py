"""Scenario 15: sustained load over every queue while workers are SIGKILLed every 20 s."""

from __future__ import annotations

import random
import signal
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.queues import Queue
from tests.chaos.api import Api
from tests.chaos.ledger import verify
from tests.processes import Running

JOBS = 5_000
RATE_PER_SECOND = 100.0
KILL_EVERY_SECONDS = 20.0
CLIENT_THREADS = 8
WORKERS = 2
QUEUES = [str(q) for q in Queue if q is not Queue.MAINTENANCE]


def _p95(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=20)[-1]


@pytest.mark.timeout(1800)
def test_five_thousand_jobs_under_random_worker_kills_leave_a_clean_ledger(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    workers = [start_worker(concurrency=3, name=f"load{n}") for n in range(WORKERS)]
    started = time.monotonic()

    def submit(index: int) -> None:
        # paced: job ``index`` leaves no earlier than its slot at RATE_PER_SECOND
        time.sleep(max(0.0, started + index / RATE_PER_SECOND - time.monotonic()))
        api.submit("diag.effect", {"seconds": 0.01}, queue=QUEUES[index % len(QUEUES)])

    kills = 0
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        futures = [pool.submit(submit, index) for index in range(JOBS)]
        next_kill = time.monotonic() + KILL_EVERY_SECONDS
        while not all(f.done() for f in futures):
            if time.monotonic() >= next_kill:
                victim = workers.pop(random.randrange(len(workers)))
                victim.stop(signal.SIGKILL)
                workers.append(start_worker(concurrency=3, name="load"))
                kills += 1
                next_kill = time.monotonic() + KILL_EVERY_SECONDS
            time.sleep(0.2)
        for future in futures:
            future.result()
    elapsed = time.monotonic() - started
    latencies = api.accepted.latencies
    note = (
        f"rate={JOBS / elapsed:.0f}/s p95={_p95(latencies) * 1000:.0f}ms "
        f"p50={statistics.median(latencies) * 1000:.0f}ms kills={kills}"
    )
    print(f"\nscenario 15: {note}")
    verify("15 load 5000 jobs + kill every 20s", sessions, api.accepted.expected, 900, note)
    assert kills >= 1
