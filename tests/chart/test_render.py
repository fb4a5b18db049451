"""The chart lints, renders for every ci values file, and every object is valid Kubernetes
(1.30 and the newest schemas) or, for KEDA, uses only the fields KEDA documents."""

from __future__ import annotations

import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.chart import keda, rendering
from tests.chart.rendering import Manifest

KUBERNETES_VERSIONS = ["1.30.0", "1.35.0"]
# Custom resources: KEDA objects are checked by tests.chart.keda, the Prometheus Operator's by
# their own test below.
CUSTOM_GROUPS = ("keda.sh/", "monitoring.coreos.com/")
DOCKERFILES = sorted((rendering.REPO / "services").glob("*/Dockerfile"))


def test_helm_lint_strict_passes(helm_bin: str, ci_values: Path) -> None:
    result = rendering.helm(helm_bin, "lint", "--strict", "-f", str(ci_values))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rendered_object_validates_against_kubernetes(manifests: list[Manifest]) -> None:
    problems = []
    for manifest in manifests:
        if manifest["apiVersion"].startswith(CUSTOM_GROUPS):
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(manifest, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                problems.append(
                    f"{manifest['kind']}/{manifest['metadata']['name']} {version}: {exc.message}"
                )
    assert not problems, "\n".join(problems)


def test_keda_objects_use_documented_fields_only(manifests: list[Manifest]) -> None:
    problems = []
    for obj in rendering.of_kind(manifests, "ScaledObject"):
        problems += [f"{obj['metadata']['name']}: {p}" for p in keda.scaled_object_problems(obj)]
    for obj in rendering.of_kind(manifests, "TriggerAuthentication"):
        problems += [
            f"{obj['metadata']['name']}: {p}" for p in keda.trigger_authentication_problems(obj)
        ]
    assert not problems, "\n".join(problems)


def test_keda_scaled_objects_target_existing_deployments(manifests: list[Manifest]) -> None:
    deployments = {d["metadata"]["name"] for d in rendering.of_kind(manifests, "Deployment")}
    for obj in rendering.of_kind(manifests, "ScaledObject"):
        assert obj["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in obj["spec"]["triggers"]:
            ref = trigger.get("authenticationRef")
            if ref:
                rendering.named(manifests, "TriggerAuthentication", ref["name"])


def test_names_are_unique_and_dns_safe(manifests: list[Manifest]) -> None:
    keys = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(keys) == len(set(keys))
    assert all(len(name) <= 63 and name == name.lower() for _, name in keys)


def test_selectors_never_carry_the_chart_version(manifests: list[Manifest]) -> None:
    for manifest in rendering.of_kind(manifests, "Deployment"):
        selector = manifest["spec"]["selector"]["matchLabels"]
        assert "helm.sh/chart" not in selector
        assert "app.kubernetes.io/version" not in selector
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()


def test_values_schema_refuses_unknown_keys(helm_bin: str) -> None:
    with pytest.raises(AssertionError, match=r"additional properties|additionalProperties"):
        rendering.template(helm_bin, [rendering.CI_VALUES[0]], {"workers.default.concurency": "3"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secrets.existingSecret": ""}, "existingSecret is required"),
        ({"autoscaling.keda.redisAddress": ""}, "redisAddress"),
        ({"workers.data.terminationGracePeriodSeconds": "30"}, "must exceed softShutdownSeconds"),
        ({"flower.enabled": "true"}, "flower.auth.existingSecret"),
    ],
)
def test_unsafe_or_incomplete_values_are_refused(
    helm_bin: str, overrides: dict[str, str], message: str
) -> None:
    minimal = rendering.CHART / "ci" / "minimal-values.yaml"
    with pytest.raises(AssertionError, match=message):
        rendering.template(helm_bin, [minimal], overrides)


def test_monitoring_files_ship_as_prometheus_rule_and_dashboards(
    helm_bin: str, tmp_path: Path
) -> None:
    chart = tmp_path / "conveyor"
    subprocess.run(["cp", "-r", str(rendering.CHART), str(chart)], check=True)
    for folder in ("dashboards", "rules"):
        subprocess.run(["rm", "-rf", str(chart / folder)], check=True)
        (chart / folder).mkdir()
    (chart / "dashboards" / "queues.json").write_text('{"title": "Conveyor queues"}\n')
    rule = {"groups": [{"name": "conveyor", "rules": [{"alert": "X", "expr": "up == 0"}]}]}
    (chart / "rules" / "conveyor.yaml").write_text(yaml.safe_dump(rule))
    production = rendering.CHART / "ci" / "production-like-values.yaml"
    manifests = rendering.template(helm_bin, [production], chart=chart)
    prometheus_rule = rendering.of_kind(manifests, "PrometheusRule")[0]
    assert prometheus_rule["spec"]["groups"] == rule["groups"]
    dashboard = next(
        m for m in rendering.of_kind(manifests, "ConfigMap") if "queues.json" in m["data"]
    )
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_empty_monitoring_folders_render_nothing(helm_bin: str, tmp_path: Path) -> None:
    chart = tmp_path / "conveyor"
    subprocess.run(["cp", "-r", str(rendering.CHART), str(chart)], check=True)
    subprocess.run(["rm", "-rf", str(chart / "dashboards"), str(chart / "rules")], check=True)
    production = rendering.CHART / "ci" / "production-like-values.yaml"
    manifests = rendering.template(helm_bin, [production], chart=chart)
    assert not rendering.of_kind(manifests, "PrometheusRule")
    assert not [m for m in manifests if "grafana_dashboard" in m["metadata"].get("labels", {})]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfiles_are_hadolint_clean(dockerfile: Path) -> None:
    result = subprocess.run(
        ["hadolint", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_yaml_files_pass_yamllint() -> None:
    targets = [rendering.CHART / "values.yaml", rendering.CHART / "ci", rendering.REPO / "k8s"]
    targets.append(rendering.REPO / "skaffold.yaml")
    config = (
        "{extends: default, rules: {line-length: {max: 120}, document-start: disable, "
        "comments: {min-spaces-from-content: 1}, braces: {max-spaces-inside: 1}, "
        "truthy: {check-keys: false}}}"
    )
    result = subprocess.run(
        ["yamllint", "-s", "-d", config, *map(str, targets)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kustomize_overlays_build_from_the_chart_output(
    helm_bin: str, overlay: str, tmp_path: Path
) -> None:
    k8s = tmp_path / "k8s"
    subprocess.run(["cp", "-r", str(rendering.REPO / "k8s"), str(k8s)], check=True)
    directory = k8s / "overlays" / overlay
    values = [directory / "values.yaml"]
    chart = rendering.template(helm_bin, values)
    (directory / "chart.yaml").write_text(yaml.safe_dump_all(chart))
    if overlay == "dev":
        (k8s / "overlays" / "dev-deps" / "secrets.env").write_text(
            "POSTGRES_USER=conveyor\nPOSTGRES_PASSWORD=p\n"
        )
    kubectl = rendering.kubectl_binary(helm_bin)
    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {
        "conveyor"
    }
    for obj in objects:
        if not obj["apiVersion"].startswith(CUSTOM_GROUPS):
            kubernetes_validate.validate(obj, KUBERNETES_VERSIONS[0], strict=True)


def test_task_events_follow_the_defaults_and_each_pool_may_turn_them_off(helm_bin: str) -> None:
    manifests = rendering.template(
        helm_bin, [rendering.CI_VALUES[0]], {"workers.tools.taskEvents": "false"}
    )
    events = {
        rendering.pool(worker): rendering.container_env(
            worker["spec"]["template"]["spec"]["containers"][0]
        )["CONVEYOR_TASK_EVENTS"]["value"]
        for worker in rendering.of_kind(manifests, "Deployment")
        if rendering.component(worker) == "worker"
    }
    assert events.pop("tools") == "false"
    assert events
    assert set(events.values()) == {"true"}
