"""The queue topology in code matches what kombu really writes to Redis."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Delivery, Publisher
from conveyor_core.broker.queues import (
    MAX_PRIORITY,
    MIN_PRIORITY,
    Queue,
    broker_priority,
    redis_keys,
)
from conveyor_core.settings import Settings
from tests.factories import submit

# what Celery's protocol 2 puts beside the arguments; a plain send has no canvas
NO_CANVAS = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


def test_each_priority_lands_in_one_of_the_queues_redis_keys(
    settings: Settings, redis_client: redis.Redis
) -> None:
    publisher = Publisher(create_celery_app(settings))
    for priority in range(MIN_PRIORITY, MAX_PRIORITY + 1):
        publisher.publish(Delivery("diag.echo", Queue.DATA, priority, uuid.uuid4()))

    lengths = {key: redis_client.llen(key) for key in redis_keys(Queue.DATA)}
    assert sum(lengths.values()) == MAX_PRIORITY + 1
    assert all(n == 1 for n in lengths.values())
    top = json.loads(redis_client.lindex(redis_keys(Queue.DATA)[0], 0))  # type: ignore[arg-type]
    assert top["properties"]["priority"] == broker_priority(MAX_PRIORITY)


def _only_message(redis_client: redis.Redis, queue: str) -> tuple[bytes, dict[str, Any]]:
    """The one message waiting on ``queue``: as Redis holds it, and its envelope parsed."""
    (raw,) = [m for key in redis_keys(queue) for m in redis_client.lrange(key, 0, -1)]
    assert isinstance(raw, bytes)
    return raw, json.loads(raw)


def _arguments(message: dict[str, Any]) -> list[Any]:
    """The task's ``[args, kwargs, embed]``, decoded from the JSON body."""
    assert message["content-type"] == "application/json"
    assert message["properties"]["body_encoding"] == "base64"
    return list(json.loads(base64.b64decode(message["body"])))


def test_a_jobs_message_carries_its_id_and_none_of_its_params(
    client: TestClient, auth: dict[str, str], redis_client: redis.Redis
) -> None:
    job = submit(client, "diag.echo", auth=auth, message="kept in the row")
    raw, message = _only_message(redis_client, Queue.DEFAULT)
    assert message["headers"]["task"] == "diag.echo"
    assert _arguments(message) == [[], {"job_id": job["id"], "item_id": None}, NO_CANVAS]
    assert b"kept in the row" not in raw  # nor in the headers' reprs of the arguments


@pytest.mark.parametrize("item", [False, True], ids=["job", "item"])
def test_messages_are_json_and_carry_only_row_ids(
    settings: Settings, redis_client: redis.Redis, item: bool
) -> None:
    job_id, item_id = uuid.uuid4(), uuid.uuid4() if item else None
    delivery = Delivery("diag.echo", Queue.AI, 5, job_id, item_id)
    Publisher(create_celery_app(settings)).publish(delivery)
    _, message = _only_message(redis_client, Queue.AI)
    assert message["headers"]["task"] == "diag.echo"
    ids = {"job_id": str(job_id), "item_id": str(item_id) if item_id else None}
    assert _arguments(message) == [[], ids, NO_CANVAS]


def test_a_channel_reuses_one_redis_client_until_its_pool_is_replaced(
    settings: Settings,
) -> None:
    with create_celery_app(settings).connection_for_write() as connection:
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.ping()
        channel._disconnect_pools()  # what kombu does when the broker connection is lost
        with channel.conn_or_acquire() as third:
            assert third is not first
            assert third.connection_pool is channel.pool
            assert third.ping()
