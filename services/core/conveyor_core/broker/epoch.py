"""The broker's epoch: since when Redis has held its data without a break.

Redis can lose every message it holds at once: FLUSHALL, a restart without persistence (or
from an older snapshot), a failover to another server. PostgreSQL cannot see that by itself,
and a message that merely waits in a long queue looks the same as a lost one from the rows.
So the reconciler keeps a mark in Redis itself: the key names the server process (its
``run_id``) and the moment the mark was made. A missing key (the data went) or another server
process (a restart or a failover) starts a new epoch; every queued row published before it
was published into data that is gone, and is published again. Rows published since wait for
their message as long as the queue takes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import redis

from conveyor_core.broker.keys import BROKER_EPOCH_KEY


def _run_id(client: redis.Redis) -> str:
    try:
        info = client.info("server")
    except redis.ResponseError:  # a managed Redis that refuses INFO: the key alone decides
        return ""
    return str(info.get("run_id", ""))


def _stored(client: redis.Redis) -> dict[str, str] | None:
    raw = client.get(BROKER_EPOCH_KEY)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "since" in value else None


def broker_epoch(client: redis.Redis, now: datetime) -> datetime:
    """The start of the broker's current epoch, beginning one at ``now`` if its data was lost.

    ``now`` should come from PostgreSQL's clock, the one ``published_at`` is written with."""
    run_id = _run_id(client)
    stored = _stored(client)
    if stored is None or stored.get("run_id", "") != run_id:
        mark = json.dumps({"run_id": run_id, "since": now.isoformat()})
        # missing: only one of two concurrent reconcilers makes the mark; another server: replace
        client.set(BROKER_EPOCH_KEY, mark, nx=stored is None)
        stored = _stored(client) or {"since": now.isoformat()}
    since = datetime.fromisoformat(stored["since"])
    return since if since.tzinfo else since.replace(tzinfo=UTC)
