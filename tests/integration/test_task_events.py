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
