"""Configured queues in the chart: the queues values key becomes the `-queues` ConfigMap that
the api, workers and beat read, and each queue no pool lists becomes a pool of its own with its
KEDA triggers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conveyor_core.broker.queue_config import QUEUES_FILE_ENV
from conveyor_core.broker.queues import QueueSet, redis_keys
from tests.chart import rendering
from tests.chart.rendering import Manifest

MINIMAL = rendering.CHART / "ci" / "minimal-values.yaml"
QUEUES_CONFIG_MAP = f"{rendering.RELEASE}-queues"
CONFIGURED = {
    "queues.backfill_high.max_retries": "5",
    "queues.backfill_high.soft_time_limit_seconds": "7200",
    "queues.backfill_high.time_limit_seconds": "7260",
    "queues.billing.max_retries": "12",
}


@pytest.fixture(scope="module")
def configured(helm_bin: str) -> list[Manifest]:
    return rendering.template(helm_bin, [MINIMAL], CONFIGURED)


def _queues_file(manifests: list[Manifest]) -> dict[str, Any]:
    config_map = rendering.named(manifests, "ConfigMap", QUEUES_CONFIG_MAP)
    loaded: dict[str, Any] = yaml.safe_load(config_map["data"]["queues.yaml"])
    return loaded


def test_configured_queues_are_entries_of_the_queues_config_map(
    configured: list[Manifest],
) -> None:
    queues = _queues_file(configured)["queues"]
    assert set(queues) == {*QueueSet.defaults().names, "backfill_high"}
    assert queues["backfill_high"] == {
        "max_retries": 5,
        "soft_time_limit_seconds": 7200,
        "time_limit_seconds": 7260,
    }
    assert queues["billing"] == {"max_retries": 12}
    assert queues["default"] == {}


def test_a_configured_queue_gets_a_worker_pool_consuming_it(configured: list[Manifest]) -> None:
    pool = rendering.named(configured, "Deployment", f"{rendering.RELEASE}-worker-backfill-high")
    assert rendering.pool(pool) == "backfill-high"
    command = pool["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == "backfill_high"


def test_a_configured_queue_gets_keda_triggers_on_each_of_its_lists(
    configured: list[Manifest],
) -> None:
    scaled = rendering.named(
        configured, "ScaledObject", f"{rendering.RELEASE}-worker-backfill-high"
    )
    assert scaled["spec"]["scaleTargetRef"]["name"] == f"{rendering.RELEASE}-worker-backfill-high"
    listed = [t["metadata"]["listName"] for t in scaled["spec"]["triggers"]]
    assert listed == redis_keys("backfill_high")


def test_without_keda_a_configured_queue_gets_an_hpa(helm_bin: str) -> None:
    manifests = rendering.template(
        helm_bin, [MINIMAL], {**CONFIGURED, "autoscaling.keda.enabled": "false"}
    )
    hpa = rendering.named(
        manifests, "HorizontalPodAutoscaler", f"{rendering.RELEASE}-worker-backfill-high"
    )
    assert hpa["spec"]["scaleTargetRef"]["name"] == f"{rendering.RELEASE}-worker-backfill-high"


@pytest.mark.parametrize("component", ["api", "worker", "beat"])
def test_api_workers_and_beat_read_the_mounted_queues_file(
    configured: list[Manifest], component: str
) -> None:
    owners = [
        d
        for d in rendering.of_kind(configured, "Deployment")
        if rendering.component(d) == component
    ]
    assert owners
    for owner in owners:
        pod = owner["spec"]["template"]["spec"]
        container = pod["containers"][0]
        path = rendering.container_env(container)[QUEUES_FILE_ENV]["value"]
        [mount] = [m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/")]
        [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        assert volume["configMap"]["name"] == QUEUES_CONFIG_MAP
        assert path.endswith("/queues.yaml")
        assert "checksum/queues" in owner["spec"]["template"]["metadata"]["annotations"]


def test_a_pool_listed_in_workers_takes_the_queue_with_its_own_settings(helm_bin: str) -> None:
    manifests = rendering.template(
        helm_bin,
        [MINIMAL],
        {
            **CONFIGURED,
            "workers.bulk.queues": "{backfill_high}",
            "workers.bulk.concurrency": "8",
        },
    )
    names = {d["metadata"]["name"] for d in rendering.of_kind(manifests, "Deployment")}
    assert f"{rendering.RELEASE}-worker-backfill-high" not in names
    bulk = rendering.named(manifests, "Deployment", f"{rendering.RELEASE}-worker-bulk")
    command = bulk["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == "backfill_high"
    assert command[command.index("-c") + 1] == "8"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"workers.extra.queues": "{backfill_low}"}, 'workers.extra consumes queue "backfill_low"'),
        ({"queues.Backfill.max_retries": "1"}, "'Backfill' does not match pattern"),
        ({"queues.backfill_high.retries": "1"}, "additional properties 'retries' not allowed"),
        ({"queues.backfill_high.max_retries": "-1"}, "/queues/backfill_high/max_retries"),
        (
            {"queues.a_b.max_retries": "1", "queues.a-b.max_retries": "1"},
            'queues a-b and a_b would both get pool "a-b"',
        ),
    ],
)
def test_the_chart_refuses_bad_queues(
    helm_bin: str, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        rendering.template(helm_bin, [MINIMAL], overrides)


def test_a_workers_entry_named_after_a_queues_pool_sets_that_pools_settings(
    helm_bin: str,
) -> None:
    manifests = rendering.template(
        helm_bin, [MINIMAL], {**CONFIGURED, "workers.backfill-high.concurrency": "7"}
    )
    pool = rendering.named(manifests, "Deployment", f"{rendering.RELEASE}-worker-backfill-high")
    command = pool["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == "backfill_high"
    assert command[command.index("-c") + 1] == "7"
