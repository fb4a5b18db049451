"""Celery's task events (for Flower and ``celery events``) go out unless a pool turns them off."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import submit
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import job_reaches

pytestmark = pytest.mark.integration

LISTEN_SECONDS = 10.0
QUIET_SECONDS = 2.0  # after the job's outcome, long enough for its events to have gone out


def _events_in(message: dict[str, Any]) -> list[str]:
    """The event types of one published message (Celery groups a worker's task events)."""
    envelope = json.loads(message["data"])
    body = envelope["body"]
    if envelope["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    events = json.loads(body)
    return [e["type"] for e in (events if isinstance(events, list) else [events])]


def _task_events(listener: redis.client.PubSub, until_seen: str | None, seconds: float) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and until_seen not in seen:
        message = listener.get_message(timeout=0.2)
        if message and message["type"] == "pmessage":
            seen.update(e for e in _events_in(message) if e.startswith("task-"))
    return seen


@pytest.mark.parametrize("enabled", [True, False])
def test_task_events_are_published_unless_turned_off(
    enabled: bool,
    start_worker: Callable[..., Running],
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    listener = redis_client.pubsub()  # type: ignore[no-untyped-call]
    listener.psubscribe("*celeryev*")
    try:
        start_worker(queues="default", extra_env={"CONVEYOR_TASK_EVENTS": str(int(enabled))})
        job = submit(client, "diag.echo", auth=auth, message="e")
        job_reaches(sessions, job["id"], "succeeded")
        if enabled:
            seen = _task_events(listener, "task-succeeded", LISTEN_SECONDS)
            assert {"task-received", "task-started", "task-succeeded"} <= seen
        else:
            assert _task_events(listener, None, QUIET_SECONDS) == set()
    finally:
        listener.close()


def _events(listener: redis.client.PubSub, until_seen: str, seconds: float) -> list[dict[str, Any]]:
    """Every task event published until one of type ``until_seen`` (or ``seconds`` passed)."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(e["type"] == until_seen for e in events):
        message = listener.get_message(timeout=0.2)
        if message and message["type"] == "pmessage":
            envelope = json.loads(message["data"])
            body = envelope["body"]
            if envelope["properties"].get("body_encoding") == "base64":
                body = base64.b64decode(body)
            decoded = json.loads(body)
            for event in decoded if isinstance(decoded, list) else [decoded]:
                if event["type"].startswith("task-"):
                    events.append(event)
    return events


def test_failed_and_retried_executions_reach_celery_events_as_such(
    start_worker: Callable[..., Running],
    beat: Running,
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    listener = redis_client.pubsub()  # type: ignore[no-untyped-call]
    listener.psubscribe("*celeryev*")
    try:
        start_worker(queues="default,maintenance")
        # the default queue retries three times: attempts 1-3 are retried, the 4th fails for good
        job = client.post(
            JOBS, headers=auth, json={"kind": "diag.flaky", "params": {"fail_times": 9}}
        )
        assert job.status_code == 201
        job_reaches(sessions, job.json()["id"], "failed", timeout=120)
        seen = _events(listener, "task-failed", LISTEN_SECONDS)
    finally:
        listener.close()
    # the job's own executions, not the reconciler's beside them
    flaky = {e["uuid"] for e in seen if e["type"] == "task-received" and e["name"] == "diag.flaky"}
    events = [
        e
        for e in seen
        if e["uuid"] in flaky and e["type"] in {"task-retried", "task-failed", "task-succeeded"}
    ]
    kinds = [e["type"] for e in events]
    assert "task-succeeded" not in kinds
    assert kinds.count("task-retried") == 3, kinds
    assert kinds.count("task-failed") == 1, kinds
    failed = next(e for e in events if e["type"] == "task-failed")
    assert failed["exception"].startswith("FlakyFailure(")
    assert "failing on purpose: attempt 4" in failed["exception"]
    retried = next(e for e in events if e["type"] == "task-retried")
    assert retried["exception"].startswith("FlakyFailure(")
