from __future__ import annotations

import typer

from conveyor_core.db import migrate as migrations


def migrate(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Apply database migrations (the same as `alembic upgrade head`)."""
    migrations.upgrade(revision=revision)
    typer.echo(f"database at {revision}")
