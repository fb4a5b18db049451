"""``conveyor keys``: API keys are made here, against the database, and shown once."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth import repository
from conveyor_core.auth import service as auth
from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.settings import get_settings

app = typer.Typer(
    help="Create, list and revoke API keys (needs DATABASE_URL).", no_args_is_help=True
)
console = Console()


def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(get_settings(), "conveyor.cli", pool_size=1))


@app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="Tenant name; created if it does not exist.")],
    scopes: Annotated[
        list[Scope] | None,
        typer.Option(
            "--scopes",
            "--scope",
            help="Scopes to grant (repeatable); default: jobs:read and jobs:write.",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
) -> None:
    """Create a key and print it. It is stored hashed and cannot be shown again."""
    with transaction(_sessions()) as session:
        row, key = auth.create_key(session, tenant, scopes or DEFAULT_SCOPES, name=name)
    console.print(f"[bold]{key}[/bold]", highlight=False, soft_wrap=True)
    typer.echo(f"key id {row.id}, tenant {tenant}, scopes {' '.join(row.scopes)}", err=True)


@app.command("list")
def list_keys() -> None:
    """List keys (prefix, tenant, scopes, status); never the keys themselves."""
    with transaction(_sessions()) as session:
        rows = repository.list_keys(session)
    table = Table("id", "prefix", "tenant", "name", "scopes", "created", "status")
    for key, tenant in rows:
        table.add_row(
            str(key.id),
            key.prefix,
            tenant,
            key.name,
            " ".join(key.scopes),
            key.created_at.isoformat(timespec="seconds"),
            "revoked" if key.revoked_at else "active",
        )
    console.print(table)


@app.command("revoke")
def revoke(key_id: uuid.UUID) -> None:
    """Revoke a key by id; requests with it get 401 from then on."""
    with transaction(_sessions()) as session:
        revoked = repository.revoke_key(session, key_id)
    if not revoked:
        typer.echo(f"no active key with id {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")
