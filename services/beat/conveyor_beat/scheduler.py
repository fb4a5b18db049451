"""Beat's scheduler: Celery's in-memory scheduler for the reconcile entry, plus the database
schedules, acting only while it holds the leader lock."""

from __future__ import annotations

from typing import Any

import redis
import structlog
from celery.beat import Scheduler

from conveyor_beat.leader import LeaderLock
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.schedules import firing
from conveyor_core.settings import get_settings

log = structlog.get_logger(__name__)

FOLLOWER_POLL_SECONDS = 2.0  # how soon a follower notices the leader is gone
SCHEDULES_POLL_SECONDS = 1.0  # the finest interval a database schedule can keep


class LeaderScheduler(Scheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = get_settings()
        self._settings = settings
        self._redis = redis.Redis.from_url(settings.redis_dsn)
        self._lock = LeaderLock(self._redis)
        self._leading = False
        self._engine = make_engine(settings, "conveyor.beat", pool_size=2)
        self._sessions = make_sessionmaker(self._engine)
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        leading = self._lock.acquire_or_renew()
        if leading != self._leading:
            log.info("beat leadership changed", leading=leading, identity=self._lock.identity)
            self._leading = leading
        if not leading:
            return FOLLOWER_POLL_SECONDS
        self._fire_schedules()
        return min(float(super().tick(*args, **kwargs)), SCHEDULES_POLL_SECONDS)

    def _fire_schedules(self) -> None:
        try:
            firing.fire_due(self._sessions, Publisher(self.app), self._settings)
        except Exception as error:  # the database may be away; the next tick tries again
            log.warning("schedules not fired", error=repr(error))

    def close(self) -> None:
        """Beat is stopping: give up leadership at once and close what was opened."""
        self._lock.release()
        super().close()
        self._engine.dispose()
        self._redis.close()
