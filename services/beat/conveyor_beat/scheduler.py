"""Beat's scheduler: Celery's in-memory scheduler, acting only while it holds the leader lock."""

from __future__ import annotations

from typing import Any

import redis
import structlog
from celery.beat import Scheduler

from conveyor_beat.leader import LeaderLock
from conveyor_core.settings import get_settings

log = structlog.get_logger(__name__)

FOLLOWER_POLL_SECONDS = 2.0  # how soon a follower notices the leader is gone


class LeaderScheduler(Scheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock = LeaderLock(redis.Redis.from_url(get_settings().redis_dsn))
        self._leading = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        leading = self._lock.acquire_or_renew()
        if leading != self._leading:
            log.info("beat leadership changed", leading=leading, identity=self._lock.identity)
            self._leading = leading
        if not leading:
            return FOLLOWER_POLL_SECONDS
        return min(float(super().tick(*args, **kwargs)), FOLLOWER_POLL_SECONDS)

    def close(self) -> None:
        self._lock.release()
        super().close()
