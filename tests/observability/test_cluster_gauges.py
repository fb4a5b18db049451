"""Cluster-wide gauges come from one api replica at a time, and a worker that stopped
heartbeating is reported down by it rather than vanishing."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from tests import processes
from tests.observability.scrape import Sample, scrape, value
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
    start_replica: Callable[..., Replica], make_key: Callable[..., str]
) -> None:
    replicas: dict[str, Running] = {}
    for _ in range(2):
        running, url = start_replica()
        replicas[url] = running
    urls = list(replicas)
    headers = {"Authorization": f"Bearer {make_key()}"}
    for n in range(5):
        body = {"kind": "diag.echo", "params": {"message": str(n)}}
        assert httpx.post(f"{urls[0]}/api/v1/jobs", json=body, headers=headers).status_code == 201
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
