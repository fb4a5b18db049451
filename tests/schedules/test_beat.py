"""Beat fires the schedules made over the api: a real api, beat and worker processes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import transaction
from conveyor_core.models import Schedule
from tests.factories import make_auth, schedule_body
from tests.paths import SCHEDULES
from tests.processes import Running
from tests.schedules.fired import jobs_of
from tests.waiting import job_reaches, until

WAIT_SECONDS = 60


@pytest.fixture
def api(api_server: str, sessions: sessionmaker[Session]) -> Iterator[httpx.Client]:
    headers = make_auth(sessions)
    with httpx.Client(base_url=api_server, headers=headers, timeout=30) as client:
        yield client


def _create(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = api.post(SCHEDULES, json=schedule_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _at_least(sessions: sessionmaker[Session], schedule_id: str, jobs: int) -> bool:
    return len(jobs_of(sessions, schedule_id)) >= jobs


def _tick_of(key: str) -> datetime:
    return datetime.fromisoformat(key.split(":", 2)[2])


def test_an_interval_schedule_created_over_the_api_fires_once_per_tick(
    api: httpx.Client, beat: Running, sessions: sessionmaker[Session]
) -> None:
    schedule = _create(api, name="every-second", interval_seconds=1)
    until(lambda: _at_least(sessions, schedule["id"], 3), WAIT_SECONDS, "three ticks")
    jobs = jobs_of(sessions, schedule["id"])
    ticks = [_tick_of(str(job.idempotency_key)) for job in jobs]
    assert {b - a for a, b in itertools.pairwise(ticks)} == {timedelta(seconds=1)}
    shown = api.get(f"{SCHEDULES}/{schedule['id']}").json()
    assert shown["last_job_id"] in {str(job.id) for job in jobs}
    assert shown["next_run_at"] > shown["last_run_at"]


def test_changes_pauses_and_resumes_reach_a_running_beat(
    api: httpx.Client, beat: Running, sessions: sessionmaker[Session]
) -> None:
    hourly = _create(api, name="hourly")
    url = f"{SCHEDULES}/{hourly['id']}"
    assert api.patch(url, json={"interval_seconds": 1}).status_code == 200
    until(lambda: _at_least(sessions, hourly["id"], 1), WAIT_SECONDS, "the changed schedule")

    assert api.patch(url, json={"enabled": False}).json()["enabled"] is False
    paused_with = len(jobs_of(sessions, hourly["id"]))
    witness = _create(api, name="witness", interval_seconds=1)
    # the witness firing twice proves beat ticked after the pause
    until(lambda: _at_least(sessions, witness["id"], 2), WAIT_SECONDS, "two witness ticks")
    assert len(jobs_of(sessions, hourly["id"])) == paused_with

    assert api.patch(url, json={"enabled": True}).status_code == 200
    resumed = paused_with + 1
    until(lambda: _at_least(sessions, hourly["id"], resumed), WAIT_SECONDS, "a tick after resume")


def test_beat_fires_a_cron_schedule_whose_next_run_is_due(
    api: httpx.Client, beat: Running, sessions: sessionmaker[Session]
) -> None:
    yearly = _create(api, name="new-year", interval_seconds=None, cron="0 0 1 1 *")
    with transaction(sessions) as session:
        due = session.scalar(text("SELECT now() - interval '1 second'"))
        session.execute(update(Schedule).values(next_run_at=due))
    until(lambda: _at_least(sessions, yearly["id"], 1), WAIT_SECONDS, "the due cron tick")
    [job] = jobs_of(sessions, yearly["id"])
    assert _tick_of(str(job.idempotency_key)) == due
    shown = api.get(f"{SCHEDULES}/{yearly['id']}").json()
    next_run = datetime.fromisoformat(shown["next_run_at"])
    assert (next_run.month, next_run.day, next_run.hour, next_run.minute) == (1, 1, 0, 0)
    assert next_run > due
    assert shown["last_job_id"] == str(job.id)


def test_overlap_skip_waits_for_the_previous_job_to_finish(
    api: httpx.Client,
    beat: Running,
    sessions: sessionmaker[Session],
    start_worker: Callable[..., Running],
) -> None:
    skipping = _create(api, name="skipping", interval_seconds=1, overlap="skip")
    until(lambda: _at_least(sessions, skipping["id"], 1), WAIT_SECONDS, "the first job")
    witness = _create(api, name="witness", interval_seconds=1)
    # no worker yet: the first job stays queued while the witness shows beat ticking
    until(lambda: _at_least(sessions, witness["id"], 3), WAIT_SECONDS, "three witness ticks")
    [first] = jobs_of(sessions, skipping["id"])

    start_worker()
    job_reaches(sessions, first.id, "succeeded")
    until(lambda: _at_least(sessions, skipping["id"], 2), WAIT_SECONDS, "a job after the first")
