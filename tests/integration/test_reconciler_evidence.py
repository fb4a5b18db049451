"""The reconciler publishes a queued row again only on evidence that its message is gone: a
backlog that waits with no consumer keeps one message per job, however many passes go by."""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Callable
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.depth import queue_depths
from conveyor_core.broker.queues import redis_keys
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


def _job_of(message: dict[str, Any]) -> str:
    """The job a raw kombu message names (its kwargs carry the row's id)."""
    body = message["body"]
    if message["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    return str(json.loads(body)[1]["job_id"])


def _taken_jobs(client: redis.Redis, queue: str = "default") -> list[str]:
    """The jobs of ``queue``'s messages in kombu's unacked index (where the maintenance
    worker's own reconcile messages sit too)."""
    entries = (json.loads(raw) for raw in client.hvals("unacked"))
    return [_job_of(message) for message, _exchange, key in entries if key == queue]


def _waiting_jobs(client: redis.Redis, queue: str = "default") -> list[str]:
    return [
        _job_of(json.loads(raw)) for key in redis_keys(queue) for raw in client.lrange(key, 0, -1)
    ]


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
    # one process, with room for a second message beside the one it runs: that one is taken
    # (in kombu's unacked index) but never started
    doomed = start_worker(
        queues="default", concurrency=1, name="doomed", extra_args=["--prefetch-multiplier", "2"]
    )
    running = client.post(
        JOBS, headers=auth, json={"kind": "diag.effect", "params": {"seconds": 5}}
    ).json()["id"]
    job_reaches(sessions, running, "running")
    reserved = _backlog(client, auth, 1)[0]
    until(
        lambda: {running, reserved} <= set(_taken_jobs(redis_client)),
        30,
        "both messages taken by the worker",
    )
    doomed.stop(signal.SIGKILL)
    # its registry entry would expire within a minute; remove it as that expiry would
    for key in redis_client.scan_iter(match=f"{KEY_PREFIX}doomed*"):
        redis_client.delete(key)
    until(
        lambda: reserved in _waiting_jobs(redis_client), 60, "the taken message back in its queue"
    )
    # moved, not copied: one message of the job, in its queue, none left taken
    assert _waiting_jobs(redis_client).count(reserved) == 1
    assert reserved not in _taken_jobs(redis_client)
    start_worker(queues="default", concurrency=2)
    assert job_reaches(sessions, reserved, "succeeded").attempts == 1
    assert job_reaches(sessions, running, "succeeded", timeout=90).attempts == 2
