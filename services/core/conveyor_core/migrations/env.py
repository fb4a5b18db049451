"""Alembic environment: the database URL comes from Conveyor's settings, never from a file.

The diagnostic family's tables are compared only when its branch is in the migrations' reach
(``conveyor_core.db.migrate``); elsewhere they are neither expected nor reported.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from conveyor_core import models  # noqa: F401  (registers every production table)
from conveyor_core.db.base import Base
from conveyor_core.db.engine import sqlalchemy_url
from conveyor_core.db.migrate import DIAGNOSTICS_OPTION
from conveyor_core.diag import ledger
from conveyor_core.settings import get_settings

DIAG_TABLES = {
    t.name for t in Base.metadata.tables.values() if t.info.get("family") == ledger.FAMILY
}


def _diagnostics() -> bool:
    return context.config.get_main_option(DIAGNOSTICS_OPTION, "false") == "true"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name in DIAG_TABLES:
        return _diagnostics()
    table = getattr(obj, "table", None)
    if table is not None and table.name in DIAG_TABLES:
        return _diagnostics()
    return True


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_dsn
    engine = create_engine(
        sqlalchemy_url(url), connect_args={"application_name": "conveyor.migrate"}
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
