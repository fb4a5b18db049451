"""A lease in Redis that one holder at a time renews: beat's leadership, the metrics reporter."""

from __future__ import annotations

import contextlib
import uuid

import redis

# Renew if we hold the lease, otherwise take it if it is free: one atomic step.
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


class Lease:
    def __init__(self, client: redis.Redis, key: str, ttl_ms: int) -> None:
        self._client, self._key, self._ttl_ms = client, key, ttl_ms
        self.identity = uuid.uuid4().hex

    def acquire_or_renew(self) -> bool:
        try:
            return bool(
                self._client.eval(_ACQUIRE_OR_RENEW, 1, self._key, self.identity, self._ttl_ms)
            )
        except redis.RedisError:
            return False  # cannot prove we hold it: act as if we did not

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # if unreachable, the TTL releases it
            self._client.eval(_RELEASE, 1, self._key, self.identity)
