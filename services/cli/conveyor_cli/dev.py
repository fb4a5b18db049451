"""``conveyor dev``: the whole stack on one machine, stopped as one with Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.supervisor import Supervisor
from conveyor_core.auth.keys import generate_key
from conveyor_core.db import migrate
from conveyor_core.settings import Settings

ADMIN_KEY_FILE = "admin-key"


def _admin_key(root: Path) -> str:
    """The dev stack's admin key, made once and kept (owner-only) under the data folder."""
    path = root / ADMIN_KEY_FILE
    if not path.exists():
        path.write_text(generate_key() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def dev(
    data_dir: Annotated[
        Path, typer.Option(envvar="CONVEYOR_DEV_DIR", help="Where embedded servers keep data.")
    ] = Path(".conveyor"),
    api_port: Annotated[int, typer.Option(envvar="CONVEYOR_API_PORT")] = 8000,
    postgres_port: Annotated[int, typer.Option(envvar="CONVEYOR_DEV_POSTGRES_PORT")] = 54329,
    redis_port: Annotated[int, typer.Option(envvar="CONVEYOR_DEV_REDIS_PORT")] = 63799,
    concurrency: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Run PostgreSQL, Redis, the api, one worker on every queue, and beat."""
    from conveyor_cli.devstack import backing  # the embedded servers load only when used

    root = data_dir.resolve()
    services = backing.start(
        root,
        database_url=os.environ.get("DATABASE_URL"),
        redis_url=os.environ.get("REDIS_URL"),
        postgres_port=postgres_port,
        redis_port=redis_port,
    )
    supervisor = Supervisor()
    code = 1
    try:
        diagnostics = os.environ.get("CONVEYOR_DIAGNOSTICS", "1")
        migrate.upgrade(
            services.database_url, diagnostics=Settings(diagnostics=diagnostics).diagnostics
        )
        env = {
            **os.environ,
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "CONVEYOR_DIAGNOSTICS": diagnostics,
            "CONVEYOR_LOG_FORMAT": os.environ.get("CONVEYOR_LOG_FORMAT", "console"),
            "CONVEYOR_BOOTSTRAP_ADMIN_KEY": os.environ.get("CONVEYOR_BOOTSTRAP_ADMIN_KEY")
            or _admin_key(root),
        }
        supervisor.spawn("api", commands.api(api_port), env)
        supervisor.spawn("worker", commands.worker(concurrency=concurrency), env)
        supervisor.spawn("beat", commands.beat(), env)
        typer.echo(
            f"conveyor: api on http://127.0.0.1:{api_port} (docs at /docs); "
            f"admin key in {root / ADMIN_KEY_FILE}; Ctrl-C stops everything"
        )
        code = supervisor.wait()
    finally:
        supervisor.stop_all()
        services.stop()
    raise typer.Exit(code)
