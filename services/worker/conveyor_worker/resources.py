"""Per-process resources of a worker: created lazily in each pool child, disposed at its end.

Prefork children must not share the parent's database connections, so the engine is keyed by
process id and rebuilt after a fork.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.publishing import Publisher
from conveyor_core.settings import Settings, get_settings

WORKER_DB_POOL_SIZE = 3  # the task, its heartbeat thread, and one spare


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # for single statements (claims, outcomes, heartbeats): no BEGIN/COMMIT round trips
    statements: sessionmaker[Session]
    publisher: Publisher
    redis: redis.Redis


@lru_cache
def _for_process(pid: int) -> Resources:
    from conveyor_worker.app import app

    settings = get_settings()
    # no pre-ping: the runtime retries its claim once on a dropped connection instead
    engine = make_engine(
        settings,
        f"conveyor.worker.{settings.worker_pool}",
        pool_size=WORKER_DB_POOL_SIZE,
        pre_ping=False,
    )
    client = redis.Redis.from_url(settings.redis_dsn, socket_timeout=5, socket_connect_timeout=2)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Resources(
        settings,
        engine,
        make_sessionmaker(engine),
        make_sessionmaker(autocommit),
        Publisher(app),
        client,
    )


def resources() -> Resources:
    return _for_process(os.getpid())


def dispose() -> None:
    if _for_process.cache_info().currsize:
        current = resources()
        current.engine.dispose()
        current.redis.close()
    _for_process.cache_clear()
