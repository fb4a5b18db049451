"""The chart's scrape objects read as Prometheus reads them: job names, relabelings, matchers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.chart import rendering
from tests.chart.rendering import Manifest

# The job selectors of celery-exporter's community mixin: its alerts, and its older dashboards.
UPSTREAM_JOB_SELECTORS = {"alerts": ".*celery.*", "dashboards": "celery|celery-exporter"}
MONITORS = {"ServiceMonitor": "endpoints", "PodMonitor": "podMetricsEndpoints"}
# A label matcher on job in PromQL: job="x", job=~"x", job!="x", job!~"x".
JOB_MATCHER = re.compile(r'\bjob\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>(?:[^"\\]|\\.)*)"')
RELABEL_FIELDS = {"sourceLabels": "source_labels", "targetLabel": "target_label"}


def endpoints(manifests: list[Manifest]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, endpoint) of every scrape endpoint of the rendered ServiceMonitors and PodMonitors."""
    for kind, field in MONITORS.items():
        for monitor in rendering.of_kind(manifests, kind):
            for endpoint in monitor["spec"][field]:
                yield kind, endpoint


def job_of(endpoint: dict[str, Any]) -> str | None:
    """The job an endpoint's relabelings set last (None: the Prometheus Operator's own name)."""
    job = None
    for rule in endpoint.get("relabelings", []):
        if rule.get("targetLabel") == "job":
            assert rule.get("action", "replace") == "replace"
            assert not rule.get("sourceLabels")
            job = rule["replacement"]
    return job


def scrape_config(job_name: str, endpoint: dict[str, Any], target: str, pod_component: str) -> Any:
    """A static scrape job with the endpoint's relabelings, the target carrying the pod label
    Kubernetes service discovery would give it."""
    return {
        "job_name": job_name,
        "static_configs": [
            {
                "targets": [target],
                "labels": {
                    "__meta_kubernetes_pod_label_app_kubernetes_io_component": pod_component
                },
            }
        ],
        "relabel_configs": [
            {RELABEL_FIELDS.get(k, k): v for k, v in rule.items()}
            for rule in endpoint["relabelings"]
        ],
    }


def _strings(node: Any, keys: tuple[str, ...]) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                yield value
            else:
                yield from _strings(value, keys)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, keys)


def shipped_queries(manifests: list[Manifest]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every rendered alert rule and dashboard query and variable."""
    for rule_object in rendering.of_kind(manifests, "PrometheusRule"):
        for group in rule_object["spec"]["groups"]:
            for rule in group["rules"]:
                yield f"rule {rule.get('alert') or rule.get('record')}", rule["expr"]
    for config_map in rendering.of_kind(manifests, "ConfigMap"):
        for name, text in config_map.get("data", {}).items():
            if name.endswith(".json"):
                for query in _strings(json.loads(text), ("expr", "query", "definition")):
                    yield f"dashboard {name}", query


def refused_by(query: str, job: str) -> list[str]:
    """The job matchers of ``query`` that a series with ``job`` fails (anchored, as PromQL)."""
    refused = []
    for match in JOB_MATCHER.finditer(query):
        op, value = match["op"], match["value"]
        accepted = {
            "=": job == value,
            "!=": job != value,
            "=~": re.fullmatch(value, job) is not None,
            "!~": re.fullmatch(value, job) is None,
        }[op]
        if not accepted:
            refused.append(match.group(0))
    return refused
