"""Apply Alembic migrations programmatically (dev stack, tests, the migrate hook's CLI).

The main line (``main``) is the production schema. The diagnostic family's tables are a branch
of their own (``diag``), upgraded only where diagnostics are on; both lines are always known, so
a database that has the diagnostic branch can be read and downgraded wherever.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from conveyor_core.settings import get_settings

SCRIPT_LOCATION = "conveyor_core:migrations"
MAIN_VERSIONS = "conveyor_core:migrations/versions"
MAIN_HEAD = "main@head"
DIAG_VERSIONS = "conveyor_core.diag:migrations"
DIAGNOSTICS_OPTION = "conveyor_diagnostics"  # read by env.py: which tables to compare


def alembic_config(database_url: str | None = None, *, diagnostics: bool | None = None) -> Config:
    """``diagnostics`` (CONVEYOR_DIAGNOSTICS when not given): whether the diagnostic family's
    tables are expected when models and database are compared."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", f"{MAIN_VERSIONS} {DIAG_VERSIONS}")
    config.set_main_option(DIAGNOSTICS_OPTION, "true" if _on(diagnostics) else "false")
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
    """Upgrade to ``revision``; by default to the head of the main line, and of the diagnostic
    branch too where diagnostics are on."""
    target = revision or ("heads" if _on(diagnostics) else MAIN_HEAD)
    command.upgrade(alembic_config(database_url, diagnostics=diagnostics), target)


if __name__ == "__main__":  # the migrate hook: python -m conveyor_core.db.migrate
    upgrade()
