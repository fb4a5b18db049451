"""Scenarios 1-6: workers that die, get killed, shut down, or hold work past the broker's clocks."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.settings import Settings
from tests import processes
from tests.chaos.api import Api
from tests.chaos.faults import kill, pool_children, running_items, running_job
from tests.chaos.ledger import verify
from tests.processes import Running
from tests.waiting import job_row, until


def test_sigkill_of_a_worker_mid_task_reruns_the_item_and_completes_once(
    api: Api, start_worker: Callable[..., Running], beat: Running, sessions: sessionmaker[Session]
) -> None:
    doomed = start_worker(concurrency=2, name="doomed")
    job_id = api.submit("diag.effect_fanout", {"items": 4, "seconds": 3})
    assert job_id is not None
    running_items(sessions, job_id, at_least=2)
    doomed.stop(signal.SIGKILL)  # the whole worker: main process and its pool
    start_worker(concurrency=2, name="survivor")
    verify("1 sigkill worker mid-task", sessions, api.accepted.expected)


@pytest.mark.chaos_fast
def test_sigkill_of_the_pool_child_only_requeues_its_task(
    api: Api, start_worker: Callable[..., Running], beat: Running, sessions: sessionmaker[Session]
) -> None:
    worker = start_worker(concurrency=1)
    job_id = api.submit("diag.effect", {"seconds": 3})
    assert job_id is not None
    running_job(sessions, job_id)
    (child,) = pool_children(worker.process.pid)
    kill(child)  # what the kernel's OOM killer does: the main process lives on
    verify("2 sigkill pool child (OOM)", sessions, api.accepted.expected)
    assert job_row(sessions, job_id).attempts == 2
    worker.wait_for_output("WorkerLostError")


def test_a_poison_pill_is_dead_lettered_after_its_queues_deliveries(
    api: Api, start_worker: Callable[..., Running], beat: Running, sessions: sessionmaker[Session]
) -> None:
    worker = start_worker(concurrency=1)
    poison = api.submit("diag.effect", {"crash": True}, expect="dead_lettered")
    healthy = [api.submit("diag.effect", {}) for _ in range(5)]
    assert poison is not None
    assert all(healthy)
    verify("3 poison pill", sessions, api.accepted.expected)
    dead = job_row(sessions, poison)
    assert dead.error is not None
    assert dead.error["type"] == "DeadLettered"
    assert dead.attempts == 3  # default queue: dead-lettered after 3 deliveries
    assert worker.process.poll() is None, "the worker survived its pool child's deaths"


def test_sigterm_finishes_the_running_task_and_gives_back_the_rest(
    api: Api, start_worker: Callable[..., Running], beat: Running, sessions: sessionmaker[Session]
) -> None:
    stopping = start_worker(concurrency=1, name="stopping")
    long_job = api.submit("diag.effect", {"seconds": 6})
    assert long_job is not None
    running_job(sessions, long_job)
    rest = [api.submit("diag.effect", {}) for _ in range(5)]
    stopping.send(signal.SIGTERM)
    stopping.process.wait(60)
    assert job_row(sessions, long_job).status == "succeeded", "finished before the exit"
    start_worker(concurrency=2, name="elsewhere")
    verify("4 sigterm with running + prefetched", sessions, api.accepted.expected)
    finished = job_row(sessions, long_job)
    assert finished.attempts == 1
    assert finished.result is not None
    elsewhere = {str(job_row(sessions, str(job_id)).result) for job_id in rest}
    assert not any(f"'pid': {finished.result['pid']}}}" in r for r in elsewhere)


def test_a_task_longer_than_the_visibility_timeout_applies_its_effect_once(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    worker = start_worker(concurrency=3)
    seconds = settings.visibility_timeout_seconds * 4
    jobs = [api.submit("diag.effect", {"seconds": seconds}) for _ in range(2)]
    verify("5 task longer than visibility timeout", sessions, api.accepted.expected)
    assert all(job_row(sessions, str(job_id)).attempts == 1 for job_id in jobs)
    # the broker did hand the message out again; the claim made the copy a no-op
    worker.wait_for_event(processes.DELIVERY_IGNORED, timeout=30)


def test_a_retry_delay_longer_than_the_visibility_timeout_runs_once_more_only(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    start_worker(concurrency=2)
    # billing's first backoff (5-10 s with jitter) exceeds the chaos visibility timeout
    job_id = api.submit("diag.effect", {"fail_times": 1}, queue="billing")
    assert job_id is not None

    def retry_scheduled() -> bool:
        row = job_row(sessions, job_id)
        return bool(row.attempts == 1 and row.status == "queued")

    until(retry_scheduled, 30, "the retry scheduled in PostgreSQL")
    queued = job_row(sessions, job_id)
    assert queued.published_at is None, "no broker message (no ETA) while the retry waits"
    assert queued.started_at is not None
    backoff = (queued.due_at - queued.started_at).total_seconds()
    assert backoff > settings.visibility_timeout_seconds
    verify("6 retry delay > visibility timeout", sessions, api.accepted.expected, timeout=90)
    assert job_row(sessions, job_id).attempts == 2
    time.sleep(settings.visibility_timeout_seconds * 2)  # a stray copy would have run by now
    assert job_row(sessions, job_id).attempts == 2
