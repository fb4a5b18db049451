"""The ``conveyor`` command."""

from __future__ import annotations

import typer

from conveyor_cli import dev, jobs, keys, migrate, schedules

app = typer.Typer(
    name="conveyor",
    help="Conveyor: submit and operate background jobs, manage API keys, run the dev stack.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(keys.app, name="keys")
app.add_typer(schedules.app, name="schedules")
app.command("migrate")(migrate.migrate)
app.command("dev")(dev.dev)
jobs.register(app)
