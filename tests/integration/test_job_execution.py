"""Jobs driven from POST to a finished row by real worker and beat processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Delivery, Publisher
from conveyor_core.broker.queues import redis_keys
from conveyor_core.settings import Settings
from tests import processes
from tests.factories import submit
from tests.paths import job as job_path
from tests.processes import Running
from tests.waiting import job_reaches, job_row


def test_echo_job_succeeds_with_its_result(
    client: TestClient, auth: dict[str, str], worker: Running, sessions: sessionmaker[Session]
) -> None:
    job = submit(client, "diag.echo", auth=auth, message="hello")
    job_reaches(sessions, job["id"], "succeeded")
    body = client.get(job_path(job["id"]), headers=auth).json()
    assert body["result"] == {"message": "hello"}
    assert body["attempts"] == 1
    assert body["started_at"]
    assert body["finished_at"]


def test_flaky_job_succeeds_on_its_third_attempt_through_the_retry_policy(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = submit(client, "diag.flaky", auth=auth, fail_times=2)
    done = job_reaches(sessions, job["id"], "succeeded", "failed")
    assert done.status == "succeeded"
    assert done.attempts == 3
    assert done.result == {"attempts": 3}


def test_flaky_job_beyond_its_retries_fails_with_the_last_error(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    # the default queue allows 3 retries: 4 executions, all failing
    job = submit(client, "diag.flaky", auth=auth, fail_times=9)
    done = job_reaches(sessions, job["id"], "succeeded", "failed", timeout=90)
    assert done.status == "failed"
    assert done.attempts == 4
    assert done.error is not None
    assert done.error["type"] == "FlakyFailure"


def test_the_same_message_delivered_twice_runs_once(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    settings: Settings,
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    job = submit(client, "diag.echo", auth=auth, message="once")
    duplicate = Delivery("diag.echo", "default", 5, uuid.UUID(job["id"]))
    Publisher(create_celery_app(settings)).publish(duplicate)
    assert sum(redis_client.llen(k) for k in redis_keys("default")) == 2

    worker: Running = start_worker()
    finished = job_reaches(sessions, job["id"], "succeeded")
    worker.wait_for_event(processes.DELIVERY_IGNORED)  # the duplicate, seen
    assert job_row(sessions, job["id"]).attempts == 1
    assert job_row(sessions, job["id"]).finished_at == finished.finished_at


def test_job_published_while_no_worker_runs_waits_in_the_queue(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    job = submit(client, "diag.echo", auth=auth, message="later")
    assert job_row(sessions, job["id"]).status == "queued"
    start_worker()
    assert job_reaches(sessions, job["id"], "succeeded").result == {"message": "later"}


def test_heartbeats_keep_a_task_longer_than_its_lease_from_being_taken_back(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    # the test lease is 3 s; the reconciler (every 0.5 s) requeues any lease left to expire
    job = submit(client, "diag.sleep", auth=auth, seconds=6)
    done = job_reaches(sessions, job["id"], "succeeded", "failed")
    assert done.status == "succeeded"
    assert done.attempts == 1


def test_cancelling_a_running_task_stops_it_at_its_next_heartbeat(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = submit(client, "diag.sleep", auth=auth, seconds=60)
    job_reaches(sessions, job["id"], "running")
    assert client.post(job_path(job["id"], "cancel"), headers=auth).json()["status"] == "cancelled"
    worker.wait_for_event(processes.OUTCOME_DROPPED, timeout=20)  # it noticed the cancel
    assert job_row(sessions, job["id"]).status == "cancelled"
