"""Worker registry in Redis: each worker refreshes its entry from its consumer's event loop while
it consumes, so the API and the metrics can list and count workers without a broadcast round
trip; a worker that dies or stalls drops off when its entry expires.

Beside the entries, a hash remembers when each worker last heartbeated, so a worker that
stopped without saying goodbye is reported down (``celery_worker_up 0``) for an hour rather than
vanishing; one that shut down cleanly leaves it at once.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import redis

KEY_PREFIX = "conveyor:workers:"
LAST_SEEN_KEY = "conveyor:workers-last-seen"
# an entry outlives a few missed refreshes, then the worker drops off the list
ENTRY_TTL_SECONDS = 60
# a worker whose last heartbeat is older than this (four missed refreshes) is down
DOWN_AFTER_SECONDS = 20.0
# how long a worker that went silent is still reported down: longer than any alert's `for`
REPORTED_DOWN_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class WorkerEntry:
    hostname: str
    pool: str
    queues: list[str]
    concurrency: int
    last_heartbeat: float
    # delivery tags of the messages it has taken and not yet acknowledged (broker.unacked);
    # None from a release that did not list them
    holding: list[str] | None = None


def register(client: redis.Redis, entry: WorkerEntry) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.set(KEY_PREFIX + entry.hostname, json.dumps(asdict(entry)), ex=ENTRY_TTL_SECONDS)
    pipe.hset(LAST_SEEN_KEY, entry.hostname, entry.last_heartbeat)
    pipe.execute()


def unregister(client: redis.Redis, hostname: str) -> None:
    pipe = client.pipeline(transaction=False)
    pipe.delete(KEY_PREFIX + hostname)
    pipe.hdel(LAST_SEEN_KEY, hostname)
    pipe.execute()


def registered_workers(client: redis.Redis) -> list[WorkerEntry]:
    keys = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=500))
    values = client.mget(keys) if keys else []
    return [WorkerEntry(**json.loads(v)) for v in values if v is not None]


def heartbeat_entry(
    hostname: str, pool: str, queues: list[str], concurrency: int, holding: list[str]
) -> WorkerEntry:
    return WorkerEntry(hostname, pool, sorted(queues), concurrency, time.time(), sorted(holding))


def alive(entry: WorkerEntry, now: float) -> bool:
    return now - entry.last_heartbeat < DOWN_AFTER_SECONDS


def per_queue(
    entries: list[WorkerEntry], queues: list[str], now: float
) -> tuple[dict[str, int], dict[str, int]]:
    """Live workers consuming each queue, and their pool processes (zero where nobody does)."""
    workers, processes = dict.fromkeys(queues, 0), dict.fromkeys(queues, 0)
    for entry in entries:
        if not alive(entry, now):
            continue
        for queue in entry.queues:
            if queue in workers:
                workers[queue] += 1
                processes[queue] += entry.concurrency
    return workers, processes


def active_workers(client: redis.Redis, queues: list[str]) -> dict[str, int]:
    """Live registered workers consuming each queue (zero for a queue nobody consumes)."""
    return per_queue(registered_workers(client), queues, time.time())[0]


def last_seen(client: redis.Redis, now: float) -> dict[str, float]:
    """When each worker last heartbeated; workers silent past the reporting window are forgotten."""
    raw: dict[bytes, bytes] = client.hgetall(LAST_SEEN_KEY)  # type: ignore[assignment]
    seen = {k.decode(): float(v) for k, v in raw.items()}
    forgotten = [name for name, at in seen.items() if now - at > REPORTED_DOWN_SECONDS]
    if forgotten:
        client.hdel(LAST_SEEN_KEY, *forgotten)
    return {name: at for name, at in seen.items() if name not in forgotten}
