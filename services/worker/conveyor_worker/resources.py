"""Per-process resources of a worker: created lazily in each pool child, disposed at its end.

Prefork children must not share the parent's database connections, so they are opened per
process id and again after a fork. The app (``conveyor_worker.app``) installs what they are made
from: the settings and the Celery app its publisher sends through.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import redis
from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.settings import Settings

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
    artifacts: ArtifactStore  # where ctx.artifacts writes outputs and reads inputs

    @classmethod
    def open(cls, settings: Settings, celery: Celery) -> Resources:
        name = f"conveyor.worker.{settings.worker_pool}"
        # the transactional steps are off the hot path: a pre-ping spares them a connection
        # that died with a database restart
        engine = make_engine(settings, name, pool_size=TRANSACTIONS_POOL_SIZE)
        # no pre-ping on the hot path: the runtime retries its claim once on a dropped connection
        statements = make_engine(
            settings, name, pool_size=STATEMENTS_POOL_SIZE, pre_ping=False, autocommit=True
        )
        client = redis.Redis.from_url(
            settings.redis_dsn, socket_timeout=5, socket_connect_timeout=2
        )
        return cls(
            settings,
            engine,
            make_sessionmaker(engine),
            statements,
            Publisher(celery),
            client,
            ArtifactStore.from_settings(settings),
        )

    def close(self) -> None:
        self.engine.dispose()
        self.statements.dispose()
        self.redis.close()


@dataclass
class _Process:
    settings: Settings
    celery: Celery
    pid: int = 0
    opened: Resources | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_installed: _Process | None = None


def install(settings: Settings, celery: Celery) -> None:
    """What every process's resources are made from; called once, as the app is built."""
    global _installed
    _installed = _Process(settings, celery)


def current() -> Resources:
    """This process's resources, opened on first use (a forked child opens its own)."""
    process = _installed
    assert process is not None, "the worker app installs its resources"
    opened = process.opened
    if opened is not None and process.pid == os.getpid():
        return opened
    with process.lock:
        if process.opened is None or process.pid != os.getpid():
            process.opened = Resources.open(process.settings, process.celery)
            process.pid = os.getpid()
        return process.opened


def dispose() -> None:
    """Close this process's resources (and forget any a fork inherited from its parent)."""
    if _installed is None or _installed.opened is None:
        return
    if _installed.pid == os.getpid():
        _installed.opened.close()
    _installed.opened = None
