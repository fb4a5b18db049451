"""Cluster-wide gauges come from one api replica at a time, and a worker that stopped
heartbeating is reported down by it rather than vanishing."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from tests import processes
from tests.factories import make_auth
from tests.observability.prometheus_tools import binary, query, ready
from tests.observability.scrape import Sample, scrape, value
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import until

Replica = tuple[Running, str]
CLUSTER_GAUGES = ("celery_queue_length", "celery_active_worker_count", "conveyor_jobs")


@pytest.fixture
def start_replica(process_env: dict[str, str], logs_dir: Path) -> Iterator[Callable[..., Replica]]:
    started: list[Running] = []

    def start(**extra_env: str) -> Replica:
        port = free_port()
        running = processes.start(
            f"api-{len(started)}", commands.api(port), {**process_env, **extra_env}, logs_dir
        )
        started.append(running)
        wait_for_port(port, processes.READY_TIMEOUT_SECONDS)
        return running, f"http://127.0.0.1:{port}"

    yield start
    for running in started:
        running.stop(signal.SIGKILL)


def _reporting(url: str) -> bool:
    return value(scrape(f"{url}/metrics"), "conveyor_metrics_reporter") == 1


def _summed(urls: list[str], metric: str, **labels: str) -> float:
    return sum(value(scrape(f"{url}/metrics"), metric, **labels) for url in urls)


def test_two_api_replicas_serve_the_cluster_gauges_once_and_hand_over(
    start_replica: Callable[..., Replica], sessions: sessionmaker[Session]
) -> None:
    replicas: dict[str, Running] = {}
    for _ in range(2):
        running, url = start_replica()
        replicas[url] = running
    urls = list(replicas)
    headers = make_auth(sessions)
    for n in range(5):
        body = {"kind": "diag.echo", "params": {"message": str(n)}}
        assert httpx.post(f"{urls[0]}{JOBS}", json=body, headers=headers).status_code == 201
    until(lambda: any(_reporting(url) for url in urls), 30, "a reporter")
    assert [_reporting(url) for url in urls].count(True) == 1
    # what celery-exporter's dashboards and alerts do: sum over every target
    assert _summed(urls, "celery_queue_length", queue_name="default") == 5
    assert _summed(urls, "conveyor_jobs", queue="default", status="queued") == 5
    for metric in CLUSTER_GAUGES:
        assert sum(1 for url in urls if _has(scrape(f"{url}/metrics"), metric)) == 1, metric
    reporter = next(url for url in urls if _reporting(url))
    other = next(url for url in urls if url != reporter)
    replicas[reporter].stop()  # SIGTERM: it gives the lease up as it stops
    until(lambda: _reporting(other), 60, "the other replica taking over")
    assert _summed([other], "celery_queue_length", queue_name="default") == 5


def _has(samples: list[Sample], metric: str) -> bool:
    return any(name == metric for name, _, _ in samples)


def _worker_up(url: str, hostname: str) -> float | None:
    samples = [s for s in scrape(f"{url}/metrics") if s[0] == "celery_worker_up"]
    found = [v for _, have, v in samples if have.get("hostname") == hostname]
    return found[0] if found else None


def test_a_paused_or_killed_worker_reads_0_and_one_shut_down_cleanly_leaves(
    start_replica: Callable[..., Replica], start_worker: Callable[..., Running]
) -> None:
    # one series per worker process here, all on one machine: label by the node's pool part
    _, url = start_replica(CONVEYOR_METRICS_GENERIC_HOSTNAME="true")
    paused = start_worker(queues="default", name="paused")
    leaving = start_worker(queues="default", name="leaving")
    until(lambda: _worker_up(url, "paused0") == 1, 30, "the worker up")
    until(lambda: _worker_up(url, "leaving1") == 1, 30, "the other worker up")
    paused.send(signal.SIGSTOP)
    try:
        until(lambda: _worker_up(url, "paused0") == 0, 60, "the paused worker read as down")
    finally:
        paused.send(signal.SIGCONT)
    until(lambda: _worker_up(url, "paused0") == 1, 30, "the resumed worker up again")
    paused.stop(signal.SIGKILL)
    until(lambda: _worker_up(url, "paused0") == 0, 60, "the killed worker read as down")
    leaving.stop()  # SIGTERM: a clean shutdown (a scale-down) is no outage
    until(lambda: _worker_up(url, "leaving1") is None, 60, "the stopped worker gone")
    assert _worker_up(url, "paused0") == 0, "a worker that died stays down for the alert"


def _prometheus(tmp_path: Path, logs_dir: Path, targets: list[str]) -> tuple[Running, str]:
    """A real Prometheus scraping ``targets`` every second under the chart's default job label
    (`metrics.jobName: celery`), as the ServiceMonitor and PodMonitor relabel them."""
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "celery", "static_configs": [{"targets": targets}]},
        ],
    }
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    argv = [
        binary("prometheus"),
        f"--config.file={path}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    running = processes.start("prometheus", argv, {}, logs_dir)
    url = f"http://127.0.0.1:{port}"
    until(lambda: ready(url), timeout=60, what="prometheus ready")
    return running, url


def _scalar(url: str, expr: str) -> float | None:
    result = query(url, expr)["data"]["result"]
    return float(result[0]["value"][1]) if result else None


def test_the_community_queries_read_the_real_figures_through_prometheus(
    tmp_path: Path,
    logs_dir: Path,
    start_replica: Callable[..., Replica],
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    urls = [start_replica(CONVEYOR_METRICS_GENERIC_HOSTNAME="true")[1] for _ in range(2)]
    worker_port = free_port()
    worker = start_worker(
        queues="maintenance", extra_env={"CONVEYOR_METRICS_PORT": str(worker_port)}
    )
    headers = make_auth(sessions)
    for n in range(7):  # the default queue has no consumer: its depth stays 7
        body = {"kind": "diag.echo", "params": {"message": str(n)}}
        assert httpx.post(f"{urls[0]}{JOBS}", json=body, headers=headers).status_code == 201
    targets = [url.removeprefix("http://") for url in urls] + [f"127.0.0.1:{worker_port}"]
    prometheus, url = _prometheus(tmp_path, logs_dir, targets)
    try:
        # the selectors of the celery-exporter mixin's alerts and dashboards match every target
        until(lambda: _scalar(url, 'count(up{job=~".*celery.*"} == 1)') == 3, 60, "3 targets")
        assert _scalar(url, 'count(up{job=~"celery|celery-exporter"})') == 3
        # CeleryHighQueueLength's aggregation: summed over the replicas, the real depth
        depth = (
            "sum by (job, queue_name) "
            '(celery_queue_length{job=~".*celery.*", queue_name="default"})'
        )
        until(lambda: _scalar(url, depth) == 7, 60, "the default queue's depth")
        assert _scalar(url, 'sum(celery_active_worker_count{queue_name="maintenance"})') == 1
        # a fresh worker has every series of the task it ran, failures at 0
        zero = 'celery_task_failed_total{name="conveyor.reconcile", exception=""}'
        until(lambda: _scalar(url, zero) == 0, 60, "the reconciler's failure series at 0")
        # CeleryWorkerDown's expression: a paused worker reads 0
        worker.send(signal.SIGSTOP)
        try:
            down = 'count(celery_worker_up{job=~".*celery.*"} == 0)'
            until(lambda: _scalar(url, down) == 1, 90, "the paused worker down")
        finally:
            worker.send(signal.SIGCONT)
    finally:
        prometheus.stop(signal.SIGTERM)
