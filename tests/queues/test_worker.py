"""A real worker consumes the queues a CONVEYOR_QUEUES_FILE configures, under their policies."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import job_reaches

pytestmark = pytest.mark.integration


def _post(client: TestClient, auth: dict[str, str], body: Mapping[str, object]) -> str:
    response = client.post(JOBS, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_worker_consumes_a_configured_queue_under_its_policy(
    configured_client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    start_worker: Callable[..., Running],
    queues_env: dict[str, str],
) -> None:
    start_worker(queues="backfill_high,data_import", extra_env=queues_env)
    echo = {"kind": "diag.echo", "params": {"message": "imported"}, "queue": "data_import"}
    job_reaches(sessions, _post(configured_client, auth, echo), "succeeded")
    # on the default queue this job would succeed on its second attempt; backfill_high
    # never retries
    flaky = {"kind": "diag.flaky", "params": {"fail_times": 1}, "queue": "backfill_high"}
    failed = job_reaches(sessions, _post(configured_client, auth, flaky), "failed")
    assert failed.attempts == 1
    assert failed.error is not None
    assert failed.error["type"] == "FlakyFailure"


def test_a_task_on_a_configured_queue_runs_under_that_queues_time_limit(
    configured_client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    start_worker: Callable[..., Running],
    queues_env: dict[str, str],
) -> None:
    start_worker(queues="backfill_high", extra_env=queues_env)
    sleep = {"kind": "diag.sleep", "params": {"seconds": 600}, "queue": "backfill_high"}
    failed = job_reaches(sessions, _post(configured_client, auth, sleep), "failed")
    assert failed.error is not None
    assert failed.error["type"] == "SoftTimeLimitExceeded"


def test_a_worker_refuses_a_queue_the_configuration_does_not_name(
    process_env: dict[str, str],
) -> None:
    started = subprocess.run(
        commands.worker(queues="backfill_high", name="unconfigured"),
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode != 0
    assert "backfill_high" in started.stderr
