"""Leader election over Redis: of all beat processes, only the lock holder sends anything."""

from __future__ import annotations

import contextlib
import uuid

import redis

from conveyor_core.broker.keys import BEAT_LEADER_KEY

# Holder renews on every tick; a dead leader's lock expires within this and another takes over.
LOCK_TTL_MS = 15_000

# Renew if we hold the lock, otherwise take it if it is free: one atomic step.
_ACQUIRE_OR_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaderLock:
    def __init__(self, client: redis.Redis, ttl_ms: int = LOCK_TTL_MS) -> None:
        self._client = client
        self._ttl_ms = ttl_ms
        self.identity = uuid.uuid4().hex

    def acquire_or_renew(self) -> bool:
        try:
            return bool(
                self._client.eval(
                    _ACQUIRE_OR_RENEW, 1, BEAT_LEADER_KEY, self.identity, self._ttl_ms
                )
            )
        except redis.RedisError:
            return False  # cannot prove leadership: send nothing

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # if unreachable, the TTL releases it
            self._client.eval(_RELEASE, 1, BEAT_LEADER_KEY, self.identity)
