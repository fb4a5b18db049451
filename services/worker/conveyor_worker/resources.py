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

TRANSACTIONS_POOL_SIZE = 1  # the task's multi-statement steps
STATEMENTS_POOL_SIZE = 2  # the task's claim and outcome, and the lease-keeping thread


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # for single statements (claims, outcomes, heartbeats): an autocommit engine of its own,
    # used through bare connections: no BEGIN/COMMIT round trips and no session to build
    statements: Engine
    publisher: Publisher
    redis: redis.Redis


@lru_cache
def _for_process(pid: int) -> Resources:
    from conveyor_worker.app import app

    settings = get_settings()
    name = f"conveyor.worker.{settings.worker_pool}"
    # the transactional steps are off the hot path: a pre-ping spares them a connection that
    # died with a database restart
    engine = make_engine(settings, name, pool_size=TRANSACTIONS_POOL_SIZE)
    # no pre-ping on the hot path: the runtime retries its claim once on a dropped connection
    statements = make_engine(
        settings, name, pool_size=STATEMENTS_POOL_SIZE, pre_ping=False, autocommit=True
    )
    client = redis.Redis.from_url(settings.redis_dsn, socket_timeout=5, socket_connect_timeout=2)
    return Resources(
        settings, engine, make_sessionmaker(engine), statements, Publisher(app), client
    )


def resources() -> Resources:
    return _for_process(os.getpid())


def dispose() -> None:
    if _for_process.cache_info().currsize:
        current = resources()
        current.engine.dispose()
        current.statements.dispose()
        current.redis.close()
    _for_process.cache_clear()
