"""Worker registry in Redis: each worker refreshes its entry from its consumer's event loop while
it consumes, so the API and the metrics can list and count workers without a broadcast round
trip; a worker that dies or stalls drops off when its entry expires."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import redis

KEY_PREFIX = "conveyor:workers:"
# an entry outlives a few missed refreshes, then the worker drops off the list
ENTRY_TTL_SECONDS = 60


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
    client.set(KEY_PREFIX + entry.hostname, json.dumps(asdict(entry)), ex=ENTRY_TTL_SECONDS)


def unregister(client: redis.Redis, hostname: str) -> None:
    client.delete(KEY_PREFIX + hostname)


def registered_workers(client: redis.Redis) -> list[WorkerEntry]:
    keys = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=500))
    values = client.mget(keys) if keys else []
    return [WorkerEntry(**json.loads(v)) for v in values if v is not None]


def heartbeat_entry(
    hostname: str, pool: str, queues: list[str], concurrency: int, holding: list[str]
) -> WorkerEntry:
    return WorkerEntry(hostname, pool, sorted(queues), concurrency, time.time(), sorted(holding))


def active_workers(client: redis.Redis, queues: list[str]) -> dict[str, int]:
    """Registered workers consuming each queue (zero for a queue nobody consumes)."""
    counts = dict.fromkeys(queues, 0)
    for worker in registered_workers(client):
        for queue in worker.queues:
            if queue in counts:
                counts[queue] += 1
    return counts
