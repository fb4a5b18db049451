"""What the api process holds for its lifetime; created and disposed by the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.settings import Settings


@dataclass(frozen=True, slots=True)
class ApiResources:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    celery: Celery
    publisher: Publisher
    redis: redis.Redis

    @classmethod
    def open(cls, settings: Settings) -> ApiResources:
        engine = make_engine(settings, "conveyor.api")
        celery = create_celery_app(settings, "conveyor.api")
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            celery=celery,
            publisher=Publisher(celery),
            redis=redis.Redis.from_url(
                settings.redis_dsn, socket_timeout=5, socket_connect_timeout=2
            ),
        )

    def close(self) -> None:
        self.redis.close()
        self.celery.close()
        self.engine.dispose()
