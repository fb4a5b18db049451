"""Leader election over Redis: of all beat processes, only the lock holder sends anything."""

from __future__ import annotations

import redis

from conveyor_core.broker.keys import BEAT_LEADER_KEY
from conveyor_core.broker.lease import Lease

# Holder renews on every tick; a dead leader's lock expires within this and another takes over.
LOCK_TTL_MS = 15_000


class LeaderLock(Lease):
    def __init__(self, client: redis.Redis, ttl_ms: int = LOCK_TTL_MS) -> None:
        super().__init__(client, BEAT_LEADER_KEY, ttl_ms)
