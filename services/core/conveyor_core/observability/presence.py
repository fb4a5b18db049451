"""Which workers consume which queue, kept in Redis so a scrape needs no broadcast to workers.

Each worker's main process renews its entry in one sorted set per queue it consumes, scored by
when the entry expires; a worker that dies simply stops renewing and drops out.
"""

from __future__ import annotations

import time

import redis

KEY_PREFIX = "conveyor:workers:"
TTL_SECONDS = 30.0  # three missed renewals before a worker counts as gone
RENEW_SECONDS = 10.0


def presence_key(queue: str) -> str:
    return f"{KEY_PREFIX}{queue}"


def announce(client: redis.Redis, hostname: str, queues: list[str]) -> None:
    expires = time.time() + TTL_SECONDS
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zadd(presence_key(queue), {hostname: expires})
        pipe.expire(presence_key(queue), int(TTL_SECONDS) * 2)
    pipe.execute()


def withdraw(client: redis.Redis, hostname: str, queues: list[str]) -> None:
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zrem(presence_key(queue), hostname)
    pipe.execute()


def active_workers(client: redis.Redis, queues: list[str]) -> dict[str, int]:
    """Live consumers per queue, in one pipelined round trip."""
    now = time.time()
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.zcount(presence_key(queue), now, "+inf")
    return {queue: int(n) for queue, n in zip(queues, pipe.execute(), strict=True)}
