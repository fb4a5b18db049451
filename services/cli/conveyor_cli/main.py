"""The ``conveyor`` command."""

from __future__ import annotations

import sys

import typer

from conveyor_cli import dev, jobs, keys, migrate, operations, schedules, watch
from conveyor_cli.errors import CliError

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
app.command("watch")(watch.watch)
jobs.register(app)
operations.register(app)


def run() -> None:
    """The console entry point: an expected failure is one line on stderr and exit 1."""
    try:
        app()
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
