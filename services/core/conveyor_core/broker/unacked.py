"""Messages a worker took from a queue and never acknowledged, sent back once no worker holds
them.

kombu's Redis transport keeps every delivered, unacknowledged message in its ``unacked`` hash
(and the delivery time in ``unacked_index``) and puts it back in its queue after the
visibility timeout, an hour in production. A worker that was killed leaves its reserved
messages there for that hour. Each live worker lists the delivery tags it holds in its registry
entry (``conveyor_core.broker.workers``), so a message that no live worker holds, and that was
delivered long enough ago for its holder to have listed it, is abandoned: the reconciler puts
that same message back in its queue. Nothing is copied, so a queue never holds two messages for
one row through this path.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis
from celery import Celery

from conveyor_core.broker.workers import WorkerEntry

UNACKED_INDEX_KEY = "unacked_index"  # kombu's Redis transport default
# A delivery younger than this may not be listed yet by its holder, which refreshes its entry
# every few seconds (conveyor_worker.observability.probes).
HOLDER_GRACE_SECONDS = 15.0
RESTORE_BATCH = 1000


def held_tags(entries: Iterable[WorkerEntry]) -> set[str] | None:
    """Every delivery tag a registered worker holds; ``None`` if a worker does not say (it runs
    a release that does not list them), in which case nothing may be called abandoned."""
    held: set[str] = set()
    for entry in entries:
        if entry.holding is None:
            return None
        held.update(entry.holding)
    return held


def abandoned(client: redis.Redis, held: set[str], now: float) -> list[bytes]:
    """Delivery tags of unacknowledged messages that no live worker holds."""
    delivered: list[bytes] = client.zrange(  # type: ignore[assignment]
        UNACKED_INDEX_KEY, 0, now - HOLDER_GRACE_SECONDS, byscore=True, offset=0, num=RESTORE_BATCH
    )
    return [tag for tag in delivered if tag.decode() not in held]


def restore(app: Celery, tags: list[bytes]) -> None:
    """Put each message back in the queue it came from, through kombu's own restore (the same
    transaction its visibility-timeout sweep uses)."""
    if not tags:
        return
    with app.connection_for_write() as connection:
        qos = connection.default_channel.qos
        for tag in tags:
            qos.restore_by_tag(tag)
