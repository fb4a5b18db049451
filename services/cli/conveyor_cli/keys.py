"""``conveyor keys``: API keys, managed through the API (admin key); the secret is shown once.

``keys bootstrap`` alone writes to the database directly: it makes the first admin key, before
any key exists to call the API with.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from conveyor_cli import database
from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.tables import console, table
from conveyor_core.auth import service as auth
from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope
from conveyor_core.db.engine import transaction

KEYS = "/api/v1/keys"
app = typer.Typer(
    help="Create, list and revoke API keys (through the API, with an admin key).",
    no_args_is_help=True,
)

TenantOption = Annotated[str, typer.Option(help="Tenant name; created if it does not exist.")]
NameOption = Annotated[str, typer.Option(help="A label to recognise the key by.")]


def _scopes_option(default: str) -> Any:
    return typer.Option(
        "--scopes", "--scope", help=f"Scopes to grant (repeatable); default: {default}."
    )


def _print_key(key: str, key_id: str, tenant: str, scopes: list[str]) -> None:
    console.print(f"[bold]{key}[/bold]", highlight=False, soft_wrap=True)
    typer.echo(f"key id {key_id}, tenant {tenant}, scopes {' '.join(scopes)}", err=True)


@app.command("create")
def create(
    tenant: TenantOption,
    scopes: Annotated[list[Scope] | None, _scopes_option("jobs:read and jobs:write")] = None,
    name: NameOption = "",
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """Create a key and print it. It is stored hashed and cannot be shown again."""
    body = {"tenant": tenant, "scopes": [str(s) for s in scopes or DEFAULT_SCOPES], "name": name}
    created = ApiClient(url, api_key).call("POST", KEYS, json=body)
    _print_key(created["key"], created["id"], created["tenant"], created["scopes"])


@app.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """List keys (prefix, tenant, scopes, status); never the keys themselves."""
    query = {"tenant": tenant} if tenant else {}
    grid = table("id", "prefix", "tenant", "name", "scopes", "created", "status")
    for key in ApiClient(url, api_key).call("GET", KEYS, params=query)["items"]:
        grid.add_row(
            key["id"],
            key["prefix"],
            key["tenant"],
            key["name"],
            " ".join(key["scopes"]),
            key["created_at"][:19],
            "revoked" if key["revoked_at"] else "active",
        )
    console.print(grid)


@app.command("revoke")
def revoke(key_id: uuid.UUID, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Revoke a key by id; requests with it get 401 from then on."""
    ApiClient(url, api_key).call("DELETE", f"{KEYS}/{key_id}")
    typer.echo(f"revoked {key_id}")


@app.command("bootstrap")
def bootstrap(
    tenant: TenantOption,
    scopes: Annotated[list[Scope] | None, _scopes_option("admin")] = None,
    name: NameOption = "bootstrap",
) -> None:
    """Create a key straight in the database: the first admin key, before any can call the API.

    Uses DATABASE_URL, else the database of the dev stack running from this folder.
    """
    url = database.database_url()
    with database.reporting_errors(url), transaction(database.sessions(url)) as session:
        row, key = auth.create_key(session, tenant, scopes or [Scope.ADMIN], name=name)
        scopes_given = list(row.scopes)
    _print_key(key, str(row.id), tenant, scopes_given)
