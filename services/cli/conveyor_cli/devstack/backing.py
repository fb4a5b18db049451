"""PostgreSQL and Redis for one machine: embedded real servers unless URLs point elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conveyor_cli.devstack.postgres import EmbeddedPostgres
from conveyor_cli.devstack.redis import EmbeddedRedis

DATABASE_NAME = "conveyor"


@dataclass
class BackingServices:
    database_url: str
    redis_url: str
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    started: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def start(
    root: Path,
    *,
    database_url: str | None,
    redis_url: str | None,
    postgres_port: int,
    redis_port: int,
    durable: bool = False,
) -> BackingServices:
    """Start what is not given as a URL; the caller must ``stop()`` the result."""
    root.mkdir(parents=True, exist_ok=True)
    postgres = redis = None
    try:
        if database_url is None:
            postgres = EmbeddedPostgres(root / "postgres", postgres_port, durable=durable)
            (root / "postgres").mkdir(exist_ok=True)
            postgres.start()
            postgres.create_database(DATABASE_NAME)
            database_url = postgres.url(DATABASE_NAME)
        if redis_url is None:
            redis = EmbeddedRedis(root / "redis", redis_port)
            redis.start()
            redis_url = redis.url()
    except BaseException:
        for server in (redis, postgres):
            if server is not None:
                server.stop()
        raise
    return BackingServices(database_url, redis_url, postgres, redis)
