"""Queue depth as the broker holds it: the one measure for the API, the metrics and autoscaling.

Waiting work is the sum of every priority list of a queue. In-flight work is what workers have
reserved but not acknowledged: kombu keeps it in the ``unacked`` hash, each entry naming the
routing key (our queue) it came from. Both are read in one pipelined round trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import redis_keys

UNACKED_KEY = "unacked"  # kombu's Redis transport default


@dataclass(frozen=True, slots=True)
class QueueDepth:
    queue: str
    waiting: int
    in_flight: int
    by_priority_list: dict[str, int]


def _routing_key(raw: bytes | str) -> str | None:
    try:
        _payload, _exchange, routing_key = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return str(routing_key)


def queue_depths(client: redis.Redis, queues: list[str] | None = None) -> list[QueueDepth]:
    names = queues or list(queue_set().names)
    pipe = client.pipeline(transaction=False)
    for name in names:
        for key in redis_keys(name):
            pipe.llen(key)
    pipe.hvals(UNACKED_KEY)
    *lengths, unacked = pipe.execute()
    in_flight: dict[str, int] = {}
    for raw in unacked:
        routing_key = _routing_key(raw)
        if routing_key is not None:
            in_flight[routing_key] = in_flight.get(routing_key, 0) + 1
    depths, position = [], 0
    for name in names:
        keys = redis_keys(name)
        counts = dict(
            zip(keys, (int(n) for n in lengths[position : position + len(keys)]), strict=True)
        )
        position += len(keys)
        depths.append(QueueDepth(name, sum(counts.values()), in_flight.get(name, 0), counts))
    return depths
