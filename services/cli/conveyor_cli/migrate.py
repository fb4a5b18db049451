from __future__ import annotations

import typer

from conveyor_cli.database import database_url, reporting_errors
from conveyor_core.db import migrate as migrations


def migrate(
    revision: str | None = typer.Argument(
        None, help="Alembic revision to upgrade to (default: the head of every line in use)."
    ),
) -> None:
    """Apply database migrations: the production schema, and the diagnostic family's tables
    where CONVEYOR_DIAGNOSTICS is on.

    To DATABASE_URL's database, else to the running dev stack's.
    """
    url = database_url()
    with reporting_errors(url):
        migrations.upgrade(url, revision=revision)
    typer.echo(f"database at {revision or 'head'}")
