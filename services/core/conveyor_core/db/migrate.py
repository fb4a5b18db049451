"""Apply Alembic migrations programmatically (dev stack, tests, the migrate hook's CLI).

The main line (``main``) is the production schema. Each installed task family that owns tables
has a branch of its own (``conveyor_core.db.families``), upgraded with the main line; the
diagnostic family's (``diag``) only where diagnostics are on. Every installed branch is always
known, so a database that has one can be read and downgraded wherever.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from conveyor_core.db.families import installed_branches, migrated_branches
from conveyor_core.settings import get_settings

SCRIPT_LOCATION = "conveyor_core:migrations"
MAIN_VERSIONS = "conveyor_core:migrations/versions"
MAIN_HEAD = "main@head"
FAMILIES_OPTION = "conveyor_families"  # read by env.py: whose tables to compare


def alembic_config(database_url: str | None = None, *, diagnostics: bool | None = None) -> Config:
    """``diagnostics`` (CONVEYOR_DIAGNOSTICS when not given): whether the diagnostic family's
    tables are expected when models and database are compared."""
    locations = [MAIN_VERSIONS, *(b.version_location for b in installed_branches())]
    compared = [b.label for b in migrated_branches(diagnostics=_on(diagnostics))]
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option(FAMILIES_OPTION, " ".join(compared))
    if database_url is not None:
        # ConfigParser interpolation would read a '%' in a password as a placeholder
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _on(diagnostics: bool | None) -> bool:
    return get_settings().diagnostics if diagnostics is None else diagnostics


def upgrade(
    database_url: str | None = None,
    revision: str | None = None,
    *,
    diagnostics: bool | None = None,
) -> None:
    """Upgrade to ``revision``; by default to the head of the main line and of every migrated
    family branch (the diagnostic one only where diagnostics are on)."""
    config = alembic_config(database_url, diagnostics=diagnostics)
    if revision is not None:
        command.upgrade(config, revision)
        return
    command.upgrade(config, MAIN_HEAD)
    for branch in migrated_branches(diagnostics=_on(diagnostics)):
        command.upgrade(config, f"{branch.label}@head")


if __name__ == "__main__":  # the migrate hook: python -m conveyor_core.db.migrate
    upgrade()
