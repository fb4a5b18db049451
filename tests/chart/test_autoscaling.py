"""What KEDA would do with the chart's ScaledObjects, computed from a real Redis holding real
Celery messages: every trigger's list length, summed by the scalingModifiers formula, divided
by the target, clamped to min/max (the HPA's AverageValue rule)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import Celery

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.queues import MAX_PRIORITY, MIN_PRIORITY
from conveyor_core.settings import Settings
from tests.chart import keda, rendering
from tests.chart.rendering import Manifest

pytestmark = pytest.mark.integration


def desired_replicas(scaled_object: Manifest, client: redis.Redis) -> int:
    """KEDA's decision: below activation the pool idles at minReplicaCount (maybe 0); above it
    the HPA asks for ceil(metric / target) pods, within min and max."""
    spec: dict[str, Any] = scaled_object["spec"]
    modifiers = spec["advanced"]["scalingModifiers"]
    metric = sum(int(client.llen(name)) for name in keda.summed_lists(scaled_object))
    low, high = spec["minReplicaCount"], spec["maxReplicaCount"]
    if metric <= float(modifiers["activationTarget"]):
        return int(low)
    wanted = math.ceil(metric / float(modifiers["target"]))
    return int(min(max(wanted, low, 1), high))


@pytest.fixture
def celery_app(process_env: dict[str, str]) -> Iterator[Celery]:
    app = create_celery_app(Settings(REDIS_URL=process_env["REDIS_URL"]), "conveyor.chart-test")
    yield app
    app.close()


@pytest.fixture(scope="module")
def production(helm_bin: str) -> list[Manifest]:
    return rendering.template(helm_bin, [rendering.CHART / "ci" / "production-like-values.yaml"])


def _scaled_object(manifests: list[Manifest], pool: str) -> Manifest:
    return rendering.named(manifests, "ScaledObject", f"conveyor-worker-{pool}")


def _enqueue(app: Celery, queue: str, count: int) -> None:
    for n in range(count):
        priority = MIN_PRIORITY + n % (MAX_PRIORITY - MIN_PRIORITY + 1)
        app.send_task("conveyor.chart_test.waiting", queue=queue, priority=priority)


@pytest.mark.parametrize(("pool", "messages"), [("default", 95), ("ai", 17), ("data", 1)])
def test_desired_replicas_are_waiting_messages_over_the_target(
    production: list[Manifest],
    celery_app: Celery,
    redis_client: redis.Redis,
    pool: str,
    messages: int,
) -> None:
    scaled_object = _scaled_object(production, pool)
    _enqueue(celery_app, pool, messages)
    lists = keda.summed_lists(scaled_object)
    lengths = [int(redis_client.llen(name)) for name in lists]
    assert sum(lengths) == messages, "every message sits in a list the ScaledObject reads"
    assert sum(1 for n in lengths if n) > 1 or messages == 1, "priorities spread over lists"
    target = int(scaled_object["spec"]["advanced"]["scalingModifiers"]["target"])
    expected = min(math.ceil(messages / target), scaled_object["spec"]["maxReplicaCount"])
    assert desired_replicas(scaled_object, redis_client) == expected


def test_an_idle_queue_scales_a_zero_minimum_pool_to_zero(
    production: list[Manifest], redis_client: redis.Redis
) -> None:
    scaled_object = _scaled_object(production, "ai")
    assert scaled_object["spec"]["minReplicaCount"] == 0
    assert desired_replicas(scaled_object, redis_client) == 0


def test_a_flood_stops_at_the_maximum(
    production: list[Manifest], celery_app: Celery, redis_client: redis.Redis
) -> None:
    scaled_object = _scaled_object(production, "ai")
    high = scaled_object["spec"]["maxReplicaCount"]
    target = int(scaled_object["spec"]["advanced"]["scalingModifiers"]["target"])
    _enqueue(celery_app, "ai", target * high * 2)
    assert desired_replicas(scaled_object, redis_client) == high


def test_messages_of_other_queues_do_not_scale_a_pool(
    production: list[Manifest], celery_app: Celery, redis_client: redis.Redis
) -> None:
    _enqueue(celery_app, "default", 50)
    billing = _scaled_object(production, "billing")
    assert desired_replicas(billing, redis_client) == billing["spec"]["minReplicaCount"]
