"""A real Prometheus scrapes a real api and worker through a workload; then every PromQL
expression of every dashboard panel and rule must parse, and every panel must show data."""

from __future__ import annotations

import json
import signal
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from tests import processes
from tests.observability.prometheus_tools import binary, query, ready
from tests.observability.scrape import scrape, value
from tests.paths import JOBS, job
from tests.processes import Running
from tests.waiting import job_reaches, until

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "charts" / "conveyor" / "dashboards"
RULES = ROOT / "charts" / "conveyor" / "rules"
SCRAPE_SECONDS = 1
# Grafana's variables, as Grafana would expand them for a short range
VARIABLES = {"$__rate_interval": "30s", "$__interval": "5s", "$queue": "default"}
# Panels fed by exporters outside Conveyor (kube-state-metrics) need only parse here.
EXTERNAL_METRICS = ("kube_",)

pytestmark = pytest.mark.integration


def _prometheus_config(path: Path, api_port: int, worker_port: int) -> Path:
    config = {
        "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "evaluation_interval": "5s"},
        "rule_files": [str(p) for p in sorted(RULES.glob("*.yaml"))],
        "scrape_configs": [
            {
                "job_name": "conveyor-api",
                "static_configs": [{"targets": [f"127.0.0.1:{api_port}"]}],
            },
            {
                "job_name": "conveyor-worker",
                "static_configs": [{"targets": [f"127.0.0.1:{worker_port}"]}],
            },
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def prometheus(tmp_path: Path, logs_dir: Path) -> Iterator[Callable[[int, int], str]]:
    started: list[Running] = []

    def start(api_port: int, worker_port: int) -> str:
        port = free_port()
        config = _prometheus_config(tmp_path / "prometheus.yml", api_port, worker_port)
        argv = [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
        started.append(processes.start("prometheus", argv, {}, logs_dir))
        url = f"http://127.0.0.1:{port}"
        until(lambda: ready(url), timeout=60, what="prometheus ready")
        return url

    yield start
    for running in started:
        running.stop(signal.SIGTERM)


def _expand(expr: str) -> str:
    for name, replacement in VARIABLES.items():
        expr = expr.replace(name, replacement)
    return expr


def _panels() -> list[tuple[str, str, list[str]]]:
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            exprs = [t["expr"] for t in panel.get("targets", [])]
            found.append((path.stem, panel["title"], exprs))
    return found


def _rule_exprs() -> list[tuple[str, str]]:
    return [
        (rule.get("alert") or rule.get("record"), rule["expr"])
        for path in sorted(RULES.glob("*.yaml"))
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
    ]


def _workload(api: str, auth: dict[str, str], sessions: sessionmaker[Session]) -> None:
    with httpx.Client(base_url=api, headers=auth, timeout=10) as http:
        ok = [
            http.post(JOBS, json={"kind": "diag.echo", "params": {"message": str(n)}})
            for n in range(10)
        ]
        flaky = http.post(JOBS, json={"kind": "diag.flaky", "params": {"fail_times": 1}})
        doomed = http.post(JOBS, json={"kind": "diag.flaky", "params": {"fail_times": 9}})
        assert http.get(job(uuid.UUID(int=0))).status_code == 404
    for response in [*ok, flaky]:
        job_reaches(sessions, response.json()["id"], "succeeded")
    job_reaches(sessions, doomed.json()["id"], "failed", timeout=120)


def test_every_dashboard_panel_and_rule_parses_and_panels_show_data(
    process_env: dict[str, str],
    logs_dir: Path,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    prometheus: Callable[[int, int], str],
) -> None:
    api_port, worker_port = free_port(), free_port()
    api = processes.start("api", commands.api(api_port), process_env, logs_dir)
    try:
        api.wait_for_output("Application startup complete")
        start_worker(
            queues="default,maintenance", extra_env={"CONVEYOR_METRICS_PORT": str(worker_port)}
        )
        url = prometheus(api_port, worker_port)
        _workload(f"http://127.0.0.1:{api_port}", auth, sessions)
        worker_metrics = f"http://127.0.0.1:{worker_port}/metrics"
        until(
            lambda: value(scrape(worker_metrics), "celery_task_failed_total") >= 1,
            what="the failure counted",
        )
        # rates need several samples of the newest series
        until(
            lambda: query(url, "count_over_time(celery_task_failed_total[30s]) >= 3")["data"][
                "result"
            ],
            what="prometheus to scrape the failure a few times",
        )
        _assert_rules_loaded(url)
        problems = _parse_problems(url) + _empty_panels(url)
        assert not problems, "\n".join(problems)
    finally:
        api.stop(signal.SIGTERM)


def _assert_rules_loaded(url: str) -> None:
    with urllib.request.urlopen(f"{url}/api/v1/rules", timeout=10) as response:
        groups = json.loads(response.read())["data"]["groups"]
    loaded = {rule["name"] for group in groups for rule in group["rules"]}
    assert loaded == {name for name, _ in _rule_exprs()}


def _parse_problems(url: str) -> list[str]:
    exprs = [(f"rule {name}", expr) for name, expr in _rule_exprs()] + [
        (f"{board}: {title}", _expand(expr)) for board, title, exprs in _panels() for expr in exprs
    ]
    return [
        f"{where}: {body.get('error')}"
        for where, expr in exprs
        if (body := query(url, expr))["status"] != "success"
    ]


def _empty_panels(url: str) -> list[str]:
    empty = []
    for board, title, exprs in _panels():
        if any(metric in expr for expr in exprs for metric in EXTERNAL_METRICS):
            continue
        if not any(query(url, _expand(expr))["data"]["result"] for expr in exprs):
            empty.append(f"{board}: {title!r} shows no data")
    return empty
