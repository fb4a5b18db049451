"""Every Conveyor scrape target carries the job the celery-exporter community alerts and
dashboards select, and the chart's own rules and dashboards still select those targets."""

from __future__ import annotations

import json
import re
import signal
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conveyor_cli.devstack.ports import free_port
from tests import processes
from tests.chart import monitoring, rendering
from tests.chart.rendering import Manifest
from tests.observability.prometheus_tools import binary
from tests.waiting import until

DEFAULT_JOB = "celery"
MONITORS_ON = {
    "metrics.serviceMonitor.enabled": "true",
    "metrics.podMonitor.enabled": "true",
    "metrics.prometheusRule.enabled": "true",
    "metrics.dashboards.enabled": "true",
}
# The Prometheus Operator's own job names, which the chart's relabelings must replace.
OPERATOR_JOBS = {
    "ServiceMonitor": "serviceMonitor/conveyor/conveyor-api/0",
    "PodMonitor": "podMonitor/conveyor/conveyor-workers/0",
}
COMPONENT_OF = {"ServiceMonitor": "api", "PodMonitor": "worker"}


def _render(helm_bin: str, **overrides: str) -> list[Manifest]:
    minimal = rendering.CHART / "ci" / "minimal-values.yaml"
    return rendering.template(helm_bin, [minimal], {**MONITORS_ON, **overrides})


@pytest.fixture(scope="module")
def monitored(helm_bin: str) -> list[Manifest]:
    return _render(helm_bin)


def test_api_and_worker_targets_get_the_job_the_upstream_selectors_match(
    monitored: list[Manifest],
) -> None:
    jobs = {kind: monitoring.job_of(endpoint) for kind, endpoint in monitoring.endpoints(monitored)}
    assert jobs == {"ServiceMonitor": DEFAULT_JOB, "PodMonitor": DEFAULT_JOB}
    for selector in monitoring.UPSTREAM_JOB_SELECTORS.values():
        assert re.fullmatch(selector, DEFAULT_JOB)


def test_targets_are_told_apart_by_a_component_label(monitored: list[Manifest]) -> None:
    for _, endpoint in monitoring.endpoints(monitored):
        assert {
            "action": "replace",
            "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
            "targetLabel": "component",
        } in endpoint["relabelings"]


@pytest.mark.parametrize(
    ("job_name", "expected"), [("conveyor-celery", "conveyor-celery"), ("", None)]
)
def test_the_job_name_comes_from_values_and_empty_keeps_the_operators(
    helm_bin: str, job_name: str, expected: str | None
) -> None:
    manifests = _render(helm_bin, **{"metrics.jobName": job_name})
    jobs = {monitoring.job_of(endpoint) for _, endpoint in monitoring.endpoints(manifests)}
    assert jobs == {expected}


def test_the_charts_rules_and_dashboards_select_the_labelled_targets(
    monitored: list[Manifest],
) -> None:
    queries = list(monitoring.shipped_queries(monitored))
    assert any(where.startswith("rule ") for where, _ in queries)
    assert any(where.startswith("dashboard ") for where, _ in queries)
    refused = [
        f"{where}: {matchers}"
        for where, query in queries
        if (matchers := monitoring.refused_by(query, DEFAULT_JOB))
    ]
    assert not refused, "\n".join(refused)


def test_a_job_matcher_that_would_miss_the_targets_is_caught() -> None:
    assert monitoring.refused_by('up{job="conveyor-api"}', DEFAULT_JOB) == ['job="conveyor-api"']
    assert monitoring.refused_by('up{job=~"celery|celery-exporter"}', DEFAULT_JOB) == []


def _query(url: str, expr: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=10) as response:
        result: list[dict[str, Any]] = json.loads(response.read())["data"]["result"]
    return result


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def prometheus_with_chart_relabelings(
    monitored: list[Manifest], tmp_path: Path, logs_dir: Path
) -> Iterator[str]:
    """A real Prometheus scraping itself once per chart monitor, through that monitor's
    relabelings, under the job name the Prometheus Operator would have given it."""
    port = free_port()
    target = f"127.0.0.1:{port}"
    jobs = [
        monitoring.scrape_config(OPERATOR_JOBS[kind], endpoint, target, COMPONENT_OF[kind])
        for kind, endpoint in monitoring.endpoints(monitored)
    ]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s"}, "scrape_configs": jobs}))
    argv = [
        binary("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address={target}",
    ]
    running = processes.start("prometheus", argv, {}, logs_dir)
    url = f"http://{target}"
    try:
        until(lambda: _ready(url), timeout=60, what="prometheus ready")
        until(lambda: len(_query(url, "up == 1")) == len(jobs), what="both targets scraped")
        yield url
    finally:
        running.stop(signal.SIGTERM)


@pytest.mark.integration
def test_prometheus_applies_the_relabelings_so_upstream_selectors_find_every_target(
    prometheus_with_chart_relabelings: str,
) -> None:
    url = prometheus_with_chart_relabelings
    for selector in monitoring.UPSTREAM_JOB_SELECTORS.values():
        found = _query(url, f'up{{job=~"{selector}"}}')
        assert sorted(series["metric"]["component"] for series in found) == ["api", "worker"]
    assert not _query(url, 'up{job=~"serviceMonitor/.*|podMonitor/.*"}')
