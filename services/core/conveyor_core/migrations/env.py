"""Alembic environment: the database URL comes from Conveyor's settings, never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from conveyor_core import models  # noqa: F401  (registers every table)
from conveyor_core.db.base import Base
from conveyor_core.db.engine import sqlalchemy_url
from conveyor_core.settings import get_settings


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_dsn
    engine = create_engine(
        sqlalchemy_url(url), connect_args={"application_name": "conveyor.migrate"}
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
