"""Chart to process: every rendered Deployment's container, started here with its command and
env against the session's PostgreSQL and Redis, starts, answers its probes and (workers)
consumes exactly its queues. Catches wrong module paths, env names and queue names."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from celery import Celery

from conveyor_cli.devstack.ports import free_port
from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.queues import redis_keys
from conveyor_core.settings import Settings
from tests import processes
from tests.chart import pods, rendering
from tests.chart.rendering import Manifest
from tests.factories import bearer
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import until

pytestmark = pytest.mark.integration

ADMIN_KEY = "chart-test-admin-key-" + "x" * 24
FLOWER_AUTH = "viewer:chart-test-password"
UNREGISTERED_TASK = "conveyor.chart_test.probe_message"
# a team's own queue: its pool, rendered from the queues value alone, must consume it
CONFIGURED_QUEUE = {"queues.backfill_high.max_retries": "1"}


@pytest.fixture
def secrets(process_env: dict[str, str]) -> dict[str, str]:
    """What the release's Secret would hold, pointing at the session's servers."""
    return {
        "DATABASE_URL": process_env["DATABASE_URL"],
        "REDIS_URL": process_env["REDIS_URL"],
        "CONVEYOR_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "FLOWER_BASIC_AUTH": FLOWER_AUTH,
    }


def _render(helm_bin: str, values: str, overrides: dict[str, str]) -> list[Manifest]:
    path = rendering.CHART / "ci" / f"{values}-values.yaml"
    return rendering.template(helm_bin, [path], overrides)


@pytest.fixture
def started(logs_dir: Path) -> Iterator[list[Running]]:
    running: list[Running] = []
    yield running
    for process in running:
        process.stop(signal.SIGTERM)


def _start(pod: pods.LocalPod, logs_dir: Path, started: list[Running]) -> Running:
    running = processes.start(pod.name, pod.argv, pod.env, logs_dir)
    started.append(running)
    return running


def _http_ok(url: str, auth: tuple[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, timeout=2, auth=auth).status_code == httpx.codes.OK
    except httpx.HTTPError:
        return False


def _worker_ports(workers: list[str]) -> dict[str, str]:
    return {f"workers.{name}.metricsPort": str(free_port()) for name in workers}


def _pod_tmp(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def test_every_deployment_starts_answers_probes_and_workers_consume_their_queues(
    helm_bin: str,
    secrets: dict[str, str],
    logs_dir: Path,
    tmp_path: Path,
    started: list[Running],
    redis_client: redis.Redis,
) -> None:
    api_port = free_port()
    minimal = _render(helm_bin, "minimal", CONFIGURED_QUEUE)
    worker_names = [rendering.pool(d) for d in _workers(minimal)]
    assert "backfill-high" in worker_names
    manifests = _render(
        helm_bin,
        "minimal",
        {
            **CONFIGURED_QUEUE,
            "config.environment": "development",
            "config.extra.CONVEYOR_DIAGNOSTICS": "true",
            "api.port": str(api_port),
            **_worker_ports(worker_names),
        },
    )
    _run_migrations(manifests, secrets, tmp_path)
    deployments = rendering.of_kind(manifests, "Deployment")
    local = {
        d["metadata"]["name"]: (
            d,
            pods.local_pod(manifests, d, secrets, _pod_tmp(tmp_path, d["metadata"]["name"])),
        )
        for d in deployments
    }
    running = {name: _start(pod, logs_dir, started) for name, (_, pod) in local.items()}
    for name, (deployment, pod) in local.items():
        kind = rendering.component(deployment)
        if kind == "api":
            _check_api(pod, api_port)
        elif kind == "worker":
            _check_worker(deployment, pod, running[name], redis_client)
        elif kind == "beat":
            running[name].wait_for_event(processes.LEADERSHIP, leading=True)
    _first_job_succeeds(api_port)


def _workers(manifests: list[Manifest]) -> list[Manifest]:
    return [
        d for d in rendering.of_kind(manifests, "Deployment") if rendering.component(d) == "worker"
    ]


def _run_migrations(manifests: list[Manifest], secrets: dict[str, str], tmp_path: Path) -> None:
    job = rendering.of_kind(manifests, "Job")[0]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    pod = pods.local_pod(manifests, job, secrets, _pod_tmp(tmp_path, "migrate"))
    result = subprocess.run(pod.argv, env=pod.env, cwd=pod.cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _check_api(pod: pods.LocalPod, port: int) -> None:
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        url = f"http://127.0.0.1:{port}{pod.container[probe]['httpGet']['path']}"
        until(partial(_http_ok, url), what=url)


def _check_worker(
    deployment: Manifest, pod: pods.LocalPod, running: Running, client: redis.Redis
) -> None:
    running.wait_for_output(processes.WORKER_READY)
    until(lambda: pod.run_exec_probe("readinessProbe") == 0, what=f"{pod.name} readiness")
    assert pod.run_exec_probe("livenessProbe") == 0
    port = pod.env["CONVEYOR_METRICS_PORT"]
    until(lambda: _http_ok(f"http://127.0.0.1:{port}/metrics"), what=f"{pod.name} metrics")
    for queue in _consumed_queues(deployment):
        _send_unregistered(pod.env["REDIS_URL"], queue)
        until(partial(_drained, client, queue), what=f"{pod.name} to consume {queue}")
        running.wait_for_output(UNREGISTERED_TASK)


def _drained(client: redis.Redis, queue: str) -> bool:
    return sum(int(client.llen(key)) for key in redis_keys(queue)) == 0


def _consumed_queues(deployment: Manifest) -> list[str]:
    command: list[Any] = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    return str(command[command.index("-Q") + 1]).split(",")


def _send_unregistered(redis_url: str, queue: str) -> None:
    """A message only a consumer of ``queue`` can take; the worker logs and drops its name."""
    app: Celery = create_celery_app(Settings(REDIS_URL=redis_url), "conveyor.chart-test")
    # the pods read the release's queues file; this process knows only the built-in queues
    app.conf.task_create_missing_queues = True
    try:
        app.send_task(UNREGISTERED_TASK, queue=queue, priority=0)
    finally:
        app.close()


def _first_job_succeeds(port: int) -> None:
    headers = bearer(ADMIN_KEY)
    base = f"http://127.0.0.1:{port}{JOBS}"
    body = {"kind": "diag.echo", "params": {"message": "from the chart"}}
    created = httpx.post(base, json=body, headers=headers, timeout=10)
    assert created.status_code in (200, 201, 202), created.text
    job_id = created.json()["id"]

    def succeeded() -> bool:
        job: dict[str, Any] = httpx.get(f"{base}/{job_id}", headers=headers, timeout=5).json()
        return str(job["status"]) == "succeeded"

    until(succeeded, what="the first job to succeed")


def test_flower_starts_read_only_behind_basic_auth(
    helm_bin: str, secrets: dict[str, str], logs_dir: Path, tmp_path: Path, started: list[Running]
) -> None:
    port = free_port()
    manifests = _render(helm_bin, "flower-on", {"flower.port": str(port)})
    flower = rendering.named(manifests, "Deployment", "conveyor-flower")
    pod = pods.local_pod(manifests, flower, secrets, _pod_tmp(tmp_path, "flower"))
    _start(pod, logs_dir, started)
    base = f"http://127.0.0.1:{port}"
    health = flower["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
    until(lambda: _http_ok(base + health["path"]), what="flower health")
    user, password = FLOWER_AUTH.split(":")
    assert httpx.get(f"{base}/api/workers", timeout=5).status_code == httpx.codes.UNAUTHORIZED
    assert _http_ok(f"{base}/api/workers", auth=(user, password))
    shutdown = httpx.post(f"{base}/api/worker/shutdown/any@host", auth=(user, password), timeout=5)
    assert shutdown.status_code == httpx.codes.NOT_FOUND
