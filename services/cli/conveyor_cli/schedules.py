"""Schedule commands: ``conveyor schedules list|create|pause|resume|run|delete``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from conveyor_cli import params
from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.errors import fail

console = Console()
SCHEDULES = "/api/v1/schedules"
app = typer.Typer(help="Periodic jobs: by cron expression or fixed interval.", no_args_is_help=True)
Reference = Annotated[str, typer.Argument(help="The schedule's id or name.")]


def _id(client: ApiClient, reference: str) -> str:
    try:
        return str(uuid.UUID(reference))
    except ValueError:
        pass
    items = client.call("GET", SCHEDULES)["items"]
    matches = [str(s["id"]) for s in items if s["name"] == reference]
    if not matches:
        fail(f"no schedule named {reference!r}")
    return matches[0]


def _timing(schedule: dict[str, Any]) -> str:
    if schedule["cron"] is not None:
        return f"{schedule['cron']} ({schedule['timezone']})"
    return f"every {schedule['interval_seconds']}s"


def _when(value: str | None) -> str:
    return value[:19].replace("T", " ") if value else "-"


@app.command("list")
def list_schedules(url: UrlOption = None, api_key: KeyOption = "") -> None:
    """List the tenant's schedules."""
    items = ApiClient(url, api_key).call("GET", SCHEDULES)["items"]
    table = Table("id", "name", "kind", "timing", "state", "overlap", "next run", "last job")
    for s in items:
        table.add_row(
            s["id"],
            s["name"],
            s["kind"],
            _timing(s),
            "enabled" if s["enabled"] else "paused",
            s["overlap"],
            _when(s["next_run_at"]),
            s["last_job_id"] or "-",
        )
    console.print(table)


@app.command()
def create(
    name: str,
    kind: str,
    cron: Annotated[str | None, typer.Option(help="Five fields, e.g. '30 2 * * *'.")] = None,
    interval_seconds: Annotated[
        int | None, typer.Option(min=1, help="Seconds between runs.")
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone of the cron.")] = "UTC",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="key=value (JSON values typed)")
    ] = None,
    params_file: Annotated[Path | None, typer.Option(help="A JSON object of params.")] = None,
    queue: Annotated[str | None, typer.Option()] = None,
    priority: Annotated[int | None, typer.Option(min=0, max=9)] = None,
    overlap: Annotated[Literal["allow", "skip"], typer.Option()] = "allow",
    paused: Annotated[bool, typer.Option(help="Create it paused.")] = False,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """Create a schedule (exactly one of --cron and --interval-seconds) and print it."""
    body = {
        "name": name,
        "kind": kind,
        "params": params.collect(param or [], params_file),
        "cron": cron,
        "interval_seconds": interval_seconds,
        "timezone": timezone,
        "queue": queue,
        "priority": priority,
        "overlap": overlap,
        "enabled": not paused,
    }
    console.print_json(data=ApiClient(url, api_key).call("POST", SCHEDULES, json=body))


def _set_enabled(reference: str, enabled: bool, url: str | None, api_key: str) -> None:
    client = ApiClient(url, api_key)
    path = f"{SCHEDULES}/{_id(client, reference)}"
    schedule = client.call("PATCH", path, json={"enabled": enabled})
    console.print(f"{schedule['name']} {'resumed' if enabled else 'paused'}")


@app.command()
def pause(reference: Reference, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Stop creating jobs until resumed."""
    _set_enabled(reference, False, url, api_key)


@app.command()
def resume(reference: Reference, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Create jobs again, from the next run after now."""
    _set_enabled(reference, True, url, api_key)


@app.command()
def run(reference: Reference, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Create one job of the schedule now and print it."""
    client = ApiClient(url, api_key)
    console.print_json(data=client.call("POST", f"{SCHEDULES}/{_id(client, reference)}/run"))


@app.command()
def delete(reference: Reference, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Remove a schedule; the jobs it created stay."""
    client = ApiClient(url, api_key)
    schedule_id = _id(client, reference)
    client.call("DELETE", f"{SCHEDULES}/{schedule_id}")
    console.print(f"deleted {schedule_id}")
