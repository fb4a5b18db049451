"""The queue topology in code matches what kombu really writes to Redis."""

from __future__ import annotations

import json
import uuid

import redis

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


def test_messages_are_json_and_carry_only_row_ids(
    settings: Settings, redis_client: redis.Redis
) -> None:
    job_id = uuid.uuid4()
    Publisher(create_celery_app(settings)).publish(Delivery("diag.echo", Queue.AI, 5, job_id))
    (raw,) = [redis_client.lindex(k, 0) for k in redis_keys(Queue.AI) if redis_client.llen(k)]
    message = json.loads(raw)  # type: ignore[arg-type]
    assert message["content-type"] == "application/json"
    assert message["headers"]["task"] == "diag.echo"
    assert str(job_id) in message["body"] or str(job_id) in json.dumps(message)


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
