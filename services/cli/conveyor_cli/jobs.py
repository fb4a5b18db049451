"""Job commands: submit, inspect and operate jobs through the HTTP API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from conveyor_cli import batch, items, paging, params
from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.resolve import JOBS, JobId, job_id
from conveyor_cli.tables import console, table


def _show(job: dict[str, Any]) -> None:
    console.print_json(data=job)


def submit(
    kind: str,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="key=value (JSON values typed)")
    ] = None,
    params_file: Annotated[Path | None, typer.Option(help="A JSON object of params.")] = None,
    queue: Annotated[str | None, typer.Option()] = None,
    priority: Annotated[int | None, typer.Option(min=0, max=9)] = None,
    idempotency_key: Annotated[str | None, typer.Option()] = None,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """Submit a job and print it."""
    body: dict[str, Any] = {"kind": kind, "params": params.collect(param or [], params_file)}
    if queue is not None:
        body["queue"] = queue
    if priority is not None:
        body["priority"] = priority
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    _show(ApiClient(url, api_key).call("POST", JOBS, json=body, headers=headers))


def status(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Print a job."""
    client = ApiClient(url, api_key)
    _show(client.call("GET", f"{JOBS}/{job_id(client, job)}"))


def _job_row(job: dict[str, Any]) -> tuple[str, ...]:
    p = job["progress"]
    done = f"{p['succeeded'] + p['failed']}/{p['total']}" if p["total"] else "-"
    return (
        job["id"],
        job["kind"],
        job["queue"],
        job["status"],
        done,
        str(job["attempts"]),
        job["created_at"][:19],
    )


def jobs(
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    queue: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Jobs per page.")] = 20,
    cursor: Annotated[str | None, typer.Option(help="Start at this page (see next page).")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page.")] = False,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """List jobs, newest first, a page at a time (or --all)."""
    query = {"status": status, "kind": kind, "queue": queue, "limit": limit, "cursor": cursor}
    grid = table("id", "kind", "queue", "status", "progress", "attempts", "created")
    for job in paging.rows(ApiClient(url, api_key), JOBS, query, all_pages):
        grid.add_row(*_job_row(job))
    console.print(grid)


def retry(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Requeue a job's failed items (or the job itself)."""
    client = ApiClient(url, api_key)
    body = client.call("POST", f"{JOBS}/{job_id(client, job)}/retry")
    console.print(f"requeued {body['requeued']}")


def cancel(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Cancel a job: queued work never starts, running tasks are revoked."""
    client = ApiClient(url, api_key)
    body = client.call("POST", f"{JOBS}/{job_id(client, job)}/cancel")
    console.print(f"{body['id']} {body['status']}")


def reset_stuck(
    job: JobId,
    older_than: Annotated[int, typer.Option(help="Seconds since heartbeat.")] = 300,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """Requeue running items whose heartbeat stopped."""
    client = ApiClient(url, api_key)
    path = f"{JOBS}/{job_id(client, job)}/reset-stuck"
    body = client.call("POST", path, params={"older_than": older_than})
    console.print(f"requeued {body['requeued']}")


def refresh_progress(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Recompute a job's progress counters from its items (repairs drift) and print the job."""
    client = ApiClient(url, api_key)
    _show(client.call("POST", f"{JOBS}/{job_id(client, job)}/refresh-progress"))


def delete(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Delete a finished job and its items."""
    client = ApiClient(url, api_key)
    full_id = job_id(client, job)
    client.call("DELETE", f"{JOBS}/{full_id}")
    console.print(f"deleted {full_id}")


def register(app: typer.Typer) -> None:
    for command in (submit, status, jobs, items.items, batch.batch, retry, cancel, delete):
        app.command(command.__name__)(command)
    app.command("reset-stuck")(reset_stuck)
    app.command("refresh-progress")(refresh_progress)
