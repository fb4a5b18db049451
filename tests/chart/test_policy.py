"""Policies every rendering of the chart must keep, whatever the values."""

from __future__ import annotations

import re
from typing import Any

import yaml
from opentelemetry.sdk import environment_variables as otel_variables

from conveyor_core.broker.queues import Queue, redis_keys
from conveyor_core.settings import Settings
from tests.chart import keda, rendering
from tests.chart.rendering import Manifest

DEV_ONLY_LABEL = "conveyor.dev/development-only"
# A URL carrying credentials, typed into a manifest.
CREDENTIAL_URL = re.compile(r"://[^/\s:@]*:[^@\s]+@")
SECRET_NAMES = re.compile(r"URL|PASSWORD|SECRET|TOKEN|_KEY$|BASIC_AUTH")


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_every_pod_meets_pod_security_restricted(manifests: list[Manifest]) -> None:
    for owner, pod in rendering.pod_specs(manifests):
        name = owner["metadata"]["name"]
        ctx = pod["securityContext"]
        assert ctx["runAsNonRoot"] is True, name
        assert ctx["runAsUser"] > 0, name
        assert ctx["seccompProfile"]["type"] == "RuntimeDefault", name
        assert not pod.get("hostNetwork")
        assert not pod.get("hostPID")
        assert not pod.get("hostIPC")
        for volume in pod.get("volumes", []):
            assert "hostPath" not in volume, name
        for container in _containers(pod):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert not sc["capabilities"].get("add"), name
            assert sc["runAsNonRoot"] is True, name
            assert sc.get("runAsUser", 1) > 0, name
            assert sc.get("privileged") is not True, name


def test_root_filesystems_are_read_only_with_a_tmp_emptydir(manifests: list[Manifest]) -> None:
    for owner, pod in rendering.pod_specs(manifests):
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in _containers(pod):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp, f"{owner['metadata']['name']} has no writable /tmp"
            assert "emptyDir" in volumes[tmp[0]["name"]]


def test_no_pod_mounts_a_service_account_token(manifests: list[Manifest]) -> None:
    for owner, pod in rendering.pod_specs(manifests):
        assert pod["automountServiceAccountToken"] is False, owner["metadata"]["name"]
    for account in rendering.of_kind(manifests, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


def test_no_literal_secret_outside_the_dev_only_secret(manifests: list[Manifest]) -> None:
    for manifest in manifests:
        if manifest["kind"] == "Secret":
            assert manifest["metadata"]["labels"].get(DEV_ONLY_LABEL) == "true"
            continue
        leaks = [v for v in _strings(manifest) if CREDENTIAL_URL.search(v)]
        assert not leaks, f"{manifest['metadata']['name']}: {leaks}"
    for owner, pod in rendering.pod_specs(manifests):
        for container in _containers(pod):
            for name, entry in rendering.container_env(container).items():
                if SECRET_NAMES.search(name):
                    assert "valueFrom" in entry, f"{owner['metadata']['name']}: {name} literal"
    for config in rendering.of_kind(manifests, "ConfigMap"):
        assert not any(SECRET_NAMES.search(key) for key in config.get("data", {}))


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def test_beat_is_a_singleton_recreated_on_config_change(manifests: list[Manifest]) -> None:
    beats = [
        d for d in rendering.of_kind(manifests, "Deployment") if rendering.component(d) == "beat"
    ]
    assert len(beats) == 1
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert "checksum/config" in beat["spec"]["template"]["metadata"]["annotations"]
    scalers = rendering.of_kind(manifests, "HorizontalPodAutoscaler")
    scalers += rendering.of_kind(manifests, "ScaledObject")
    assert beat["metadata"]["name"] not in {s["spec"]["scaleTargetRef"]["name"] for s in scalers}


def test_every_queue_has_an_autoscaled_worker_pool(manifests: list[Manifest]) -> None:
    workers = [
        d for d in rendering.of_kind(manifests, "Deployment") if rendering.component(d) == "worker"
    ]
    scaled = {
        s["spec"]["scaleTargetRef"]["name"]
        for kind in ("ScaledObject", "HorizontalPodAutoscaler")
        for s in rendering.of_kind(manifests, kind)
    }
    consumed: set[str] = set()
    for worker in workers:
        assert worker["metadata"]["name"] in scaled, worker["metadata"]["name"]
        assert "replicas" not in worker["spec"], "the autoscaler owns the replica count"
        consumed |= set(_queues_of(worker))
    queues_file = rendering.named(manifests, "ConfigMap", f"{rendering.RELEASE}-queues")
    configured = set(yaml.safe_load(queues_file["data"]["queues.yaml"])["queues"])
    assert configured >= {str(q) for q in Queue}
    assert consumed == configured


def _queues_of(worker: Manifest) -> list[str]:
    command = worker["spec"]["template"]["spec"]["containers"][0]["command"]
    return str(command[command.index("-Q") + 1]).split(",")


def test_scaled_object_lists_are_exactly_the_keys_the_worker_consumes(
    manifests: list[Manifest],
) -> None:
    for worker in rendering.of_kind(manifests, "Deployment"):
        if rendering.component(worker) != "worker":
            continue
        scalers = [
            s
            for s in rendering.of_kind(manifests, "ScaledObject")
            if s["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
        ]
        if not scalers:
            continue
        expected = [key for queue in _queues_of(worker) for key in redis_keys(queue)]
        assert keda.summed_lists(scalers[0]) == expected


def test_workers_get_their_pool_name_and_a_grace_period_above_soft_shutdown(
    manifests: list[Manifest],
) -> None:
    for worker in rendering.of_kind(manifests, "Deployment"):
        if rendering.component(worker) != "worker":
            continue
        pod = worker["spec"]["template"]["spec"]
        env = rendering.container_env(pod["containers"][0])
        assert env["CONVEYOR_WORKER_POOL"]["value"] == rendering.pool(worker)
        soft = float(env["CONVEYOR_WORKER_SOFT_SHUTDOWN_SECONDS"]["value"])
        assert pod["terminationGracePeriodSeconds"] > soft


def test_worker_liveness_reads_probe_files_not_the_broker(manifests: list[Manifest]) -> None:
    for worker in rendering.of_kind(manifests, "Deployment"):
        if rendering.component(worker) != "worker":
            continue
        container = worker["spec"]["template"]["spec"]["containers"][0]
        live = container["livenessProbe"]["exec"]["command"]
        assert live == ["python", "-m", "conveyor_worker.observability.probes", "live"]
        assert "inspect" not in live


def _config(manifests: list[Manifest]) -> dict[str, str]:
    config = rendering.named(manifests, "ConfigMap", f"{rendering.RELEASE}-config")
    return dict(config["data"])


def test_config_keys_are_settings_the_code_reads(manifests: list[Manifest]) -> None:
    fields = {f"CONVEYOR_{name.upper()}" for name in Settings.model_fields}
    # the OpenTelemetry SDK's own variables (tracing.*)
    fields |= {name for name in vars(otel_variables) if name.startswith("OTEL_")}
    unknown = set(_config(manifests)) - fields
    assert not unknown, f"settings the code does not read: {unknown}"


def test_tracing_is_configured_with_a_sampler_and_an_open_egress_only_when_asked(
    rendered: dict[str, list[Manifest]],
) -> None:
    traced, untraced = rendered["production-like"], rendered["minimal"]
    config = _config(traced)
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http")
    assert config["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert 0 < float(config["OTEL_TRACES_SAMPLER_ARG"]) < 1
    assert not {key for key in _config(untraced) if key.startswith("OTEL_")}

    def egress_ports(manifests: list[Manifest]) -> set[int]:
        return {
            port["port"]
            for policy in rendering.of_kind(manifests, "NetworkPolicy")
            for rule in policy["spec"].get("egress", [])
            for port in rule.get("ports", [])
        }

    assert 4318 in egress_ports(traced)
    assert 4318 not in egress_ports(untraced)


def test_network_policies_admit_traffic_to_the_api_only(manifests: list[Manifest]) -> None:
    policies = rendering.of_kind(manifests, "NetworkPolicy")
    if not policies:
        return
    deny = next(p for p in policies if p["metadata"]["name"].endswith("default-deny"))
    assert deny["spec"]["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny["spec"]
    for policy in policies:
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        target = selector.get("app.kubernetes.io/component")
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if target == "worker":
                assert ports == {"metrics"}
            elif target != "flower":
                assert target == "api", policy["metadata"]["name"]
