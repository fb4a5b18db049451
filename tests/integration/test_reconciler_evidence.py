"""The reconciler publishes a queued row again only on evidence that its message is gone: a
backlog that waits with no consumer keeps one message per job, however many passes go by."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.depth import queue_depths
from conveyor_core.broker.workers import KEY_PREFIX
from conveyor_core.models import Job
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import after_reconciler_passes, job_reaches, until

pytestmark = pytest.mark.integration

BACKLOG = 40
# passes at the tests' 0.5 s interval: well past the 5 s after which the old rule resent a
# message that had waited unclaimed
PASSES = 30


def _waiting(client: redis.Redis, queue: str = "default") -> int:
    return queue_depths(client, [queue])[0].waiting


def _backlog(client: TestClient, auth: dict[str, str], count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = client.post(JOBS, headers=auth, json={"kind": "diag.effect", "params": {}})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _queued(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(session.scalars(select(Job.id).where(Job.status == "queued")).all())


def test_a_backlog_with_no_consumer_keeps_one_message_per_job_across_reconciler_passes(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    redis_client: redis.Redis,
    sessions: sessionmaker[Session],
) -> None:
    maintenance = start_worker(queues="maintenance", name="maintenance")
    _backlog(client, auth, BACKLOG)
    assert _waiting(redis_client) == BACKLOG
    after_reconciler_passes(maintenance, PASSES)
    assert _waiting(redis_client) == BACKLOG
    assert _queued(sessions) == BACKLOG


def test_a_flushed_broker_gets_every_queued_job_republished_once(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    redis_client: redis.Redis,
    sessions: sessionmaker[Session],
) -> None:
    maintenance = start_worker(queues="maintenance", name="maintenance")
    jobs = _backlog(client, auth, BACKLOG)
    redis_client.flushall()
    until(lambda: _waiting(redis_client) >= BACKLOG, 60, "the backlog republished")
    after_reconciler_passes(maintenance, PASSES)
    assert _waiting(redis_client) == BACKLOG
    start_worker(queues="default", concurrency=4)
    for job_id in jobs:
        assert job_reaches(sessions, job_id, "succeeded").attempts == 1


def test_a_message_a_killed_worker_had_taken_goes_back_to_its_queue_as_it_is(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    redis_client: redis.Redis,
    sessions: sessionmaker[Session],
) -> None:
    start_worker(queues="maintenance", name="maintenance")
    doomed = start_worker(queues="default", concurrency=1, name="doomed")
    running = client.post(
        JOBS, headers=auth, json={"kind": "diag.effect", "params": {"seconds": 5}}
    ).json()["id"]
    job_reaches(sessions, running, "running")
    reserved = _backlog(client, auth, 1)[0]
    until(lambda: redis_client.hlen("unacked") >= 2, 30, "both messages taken by the worker")
    doomed.stop(signal.SIGKILL)
    # its registry entry would expire within a minute; remove it as that expiry would
    for key in redis_client.scan_iter(match=f"{KEY_PREFIX}doomed*"):
        redis_client.delete(key)
    until(lambda: _waiting(redis_client) >= 1, 60, "the taken message back in its queue")
    assert redis_client.hlen("unacked") <= 1
    start_worker(queues="default", concurrency=2)
    assert job_reaches(sessions, reserved, "succeeded").attempts == 1
    assert job_reaches(sessions, running, "succeeded", timeout=90).attempts == 2
