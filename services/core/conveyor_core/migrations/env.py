"""Alembic environment: the database URL comes from Conveyor's settings, never from a file.

A family's tables (``info["family"]``) are compared only when its branch is migrated here
(``conveyor_core.db.migrate``); elsewhere they are neither expected nor reported.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from conveyor_core import models  # noqa: F401  (registers every production table)
from conveyor_core.db.base import Base
from conveyor_core.db.engine import sqlalchemy_url
from conveyor_core.db.families import installed_branches
from conveyor_core.db.migrate import FAMILIES_OPTION
from conveyor_core.settings import get_settings

for _branch in installed_branches():
    _branch.load_models()

FAMILY_OF = {t.name: t.info["family"] for t in Base.metadata.tables.values() if "family" in t.info}
COMPARED = set(context.config.get_main_option(FAMILIES_OPTION, "").split())


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    family = FAMILY_OF.get(table or "")
    return family is None or family in COMPARED


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
