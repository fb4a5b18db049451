"""A real prefork worker serves celery-exporter's metrics, summed over its pool processes."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from tests import processes
from tests.factories import submit
from tests.observability.scrape import scrape, value, wait_for_value
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import job_reaches


def _metrics_worker(start_worker: Callable[..., Running], **env: str) -> str:
    port = free_port()
    start_worker(
        queues="default,maintenance",
        concurrency=3,
        extra_env={"CONVEYOR_METRICS_PORT": str(port), **env},
    )
    return f"http://127.0.0.1:{port}/metrics"


def test_worker_counts_tasks_of_every_pool_process_with_celery_exporter_names(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    url = _metrics_worker(start_worker)
    ids = [submit(client, "diag.echo", auth=auth, message=str(n))["id"] for n in range(6)]
    for job_id in ids:
        job_reaches(sessions, job_id, "succeeded")
    samples = wait_for_value(url, "celery_task_succeeded_total", 6, name="diag.echo")
    labels = {"name": "diag.echo", "queue_name": "default"}
    assert value(samples, "celery_task_received_total", **labels) == 6
    assert value(samples, "celery_task_started_total", **labels) == 6
    assert value(samples, "celery_task_runtime_count", **labels) == 6
    assert value(samples, "celery_task_queue_wait_time_count", **labels) == 6
    # liveness is the api's to report (it sees a worker that stopped); the worker serves none
    assert not [n for n, _, _ in samples if n == "celery_worker_up"]
    # as celery-exporter labels it: the host part of the node name (worker0@<host>)
    assert {have["hostname"] for n, have, _ in samples if "hostname" in have} == {
        socket.gethostname()
    }
    assert value(samples, "conveyor_jobs_finished_total", kind="diag.echo", status="succeeded") == 6
    assert value(samples, "conveyor_job_duration_seconds_count", kind="diag.echo") == 6
    # the tasks ran in several pool processes, yet no sample carries a pid
    assert all("pid" not in have for _, have, _ in samples)


def test_worker_generic_hostname_keeps_only_the_pool_name(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    url = _metrics_worker(start_worker, CONVEYOR_METRICS_GENERIC_HOSTNAME="true")
    job = submit(client, "diag.echo", auth=auth, message="x")
    job_reaches(sessions, job["id"], "succeeded")
    samples = wait_for_value(url, "celery_task_succeeded_total", 1)
    hostnames = {have["hostname"] for n, have, _ in samples if "hostname" in have}
    assert hostnames == {"worker0"}
    assert scrape(url)


def test_a_fanout_job_counts_as_finished_once_when_finalized_not_when_fanned_out(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    url = _metrics_worker(start_worker)
    job = submit(client, "diag.fanout", auth=auth, items=5, fail_items=[2])
    job_reaches(sessions, job["id"], "failed")
    samples = wait_for_value(url, "conveyor_jobs_finished_total", 1, kind="diag.fanout")
    assert value(samples, "conveyor_jobs_finished_total", kind="diag.fanout", status="failed") == 1
    assert value(samples, "conveyor_jobs_finished_total", kind="diag.fanout") == 1
    assert value(samples, "conveyor_job_duration_seconds_count", kind="diag.fanout") == 1
    assert (
        value(samples, "conveyor_job_items_finished_total", kind="diag.fanout", status="succeeded")
        == 4
    )
    # the orchestrator and every item are Celery tasks that themselves went fine or failed
    assert value(samples, "celery_task_succeeded_total", name="diag.fanout") == 5
    assert value(samples, "celery_task_failed_total", name="diag.fanout") == 1


def test_a_fresh_worker_creates_every_series_of_a_task_at_zero(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    url = _metrics_worker(start_worker)
    job = client.post(JOBS, json={"kind": "diag.echo", "params": {"message": "z"}}, headers=auth)
    job_reaches(sessions, job.json()["id"], "succeeded")
    samples = wait_for_value(url, "celery_task_succeeded_total", 1, name="diag.echo")
    labels = {"name": "diag.echo", "queue_name": "default"}
    for counter in ("failed", "retried", "rejected", "revoked"):
        present = [
            s
            for s in samples
            if s[0] == f"celery_task_{counter}_total" and labels.items() <= s[1].items()
        ]
        assert present, f"celery_task_{counter}_total has no series"
        assert value(samples, f"celery_task_{counter}_total", **labels) == 0
    assert [s for s in samples if s[0] == "celery_task_failed_total" and s[1]["exception"] == ""]


def test_runtime_is_recorded_for_successful_runs_only(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
    beat: Running,
) -> None:
    url = _metrics_worker(start_worker)
    job = client.post(JOBS, json={"kind": "diag.flaky", "params": {"fail_times": 1}}, headers=auth)
    job_reaches(sessions, job.json()["id"], "succeeded")
    samples = wait_for_value(url, "celery_task_succeeded_total", 1, name="diag.flaky")
    assert value(samples, "celery_task_retried_total", name="diag.flaky") == 1
    assert value(samples, "celery_task_runtime_count", name="diag.flaky") == 1


def test_a_worker_whose_metrics_port_is_taken_refuses_to_start(
    process_env: dict[str, str], logs_dir: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **process_env,
            "CONVEYOR_METRICS_PORT": str(port),
            "CONVEYOR_METRICS_HOST": "127.0.0.1",
        }
        running = processes.start("taken", commands.worker(queues="default"), env, logs_dir)
        try:
            code = running.process.wait(timeout=processes.READY_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            running.stop(signal.SIGKILL)
            output = running.output()[-3000:]
            raise AssertionError(f"the worker ran on without metrics:\n{output}") from None
    assert code != 0
    assert f"cannot serve metrics on 127.0.0.1:{port}" in running.output()
