"""Engines and sessions, named after the process that holds them (visible in pg_stat_activity)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.settings import Settings

SYNC_DRIVER = "postgresql+psycopg"

# what a single-statement step runs on: a session, or a connection of an autocommit engine
Executor = Session | Connection


def sqlalchemy_url(url: str) -> str:
    """Accept the conventional ``postgres://`` / ``postgresql://`` URLs and pick our driver."""
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"{SYNC_DRIVER}{sep}{rest}"
    return url


def make_engine(
    settings: Settings,
    application_name: str,
    *,
    pool_size: int | None = None,
    pre_ping: bool = True,
    autocommit: bool = False,
) -> Engine:
    """``pre_ping`` costs a round trip per checkout; hot paths that retry a statement on a
    dropped connection themselves turn it off. An ``autocommit`` engine's statements commit
    one by one, with no BEGIN/COMMIT round trips: for steps that are one statement."""
    # set as each connection opens, not per checkout (as execution_options would); under
    # autocommit no transaction outlives its statement, so a returned connection has nothing
    # to roll back
    isolation = (
        {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    )
    return create_engine(
        sqlalchemy_url(settings.database_dsn),
        pool_size=pool_size or settings.db_pool_size,
        pool_pre_ping=pre_ping,
        connect_args={"application_name": application_name, "connect_timeout": 5},
        **isolation,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session
