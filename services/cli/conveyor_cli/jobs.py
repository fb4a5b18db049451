"""Job commands: submit, inspect, watch and operate jobs through the HTTP API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from conveyor_cli.client import DEFAULT_URL, ApiClient, KeyOption, UrlOption, fail

console = Console()
JOBS = "/api/v1/jobs"
FINISHED = {"succeeded", "failed", "cancelled", "dead_lettered"}


def _parse_param(pair: str) -> tuple[str, Any]:
    key, sep, raw = pair.partition("=")
    if not sep or not key:
        fail(f"--param takes key=value, got {pair!r}")
    try:
        return key, json.loads(raw)  # numbers, booleans, lists stay typed
    except json.JSONDecodeError:
        return key, raw


def _params(pairs: list[str], params_file: Path | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if params_file is not None:
        try:
            params = json.loads(params_file.read_text())
        except (OSError, json.JSONDecodeError) as error:
            fail(f"cannot read {params_file}: {error}")
        if not isinstance(params, dict):
            fail(f"{params_file} must hold a JSON object")
    params.update(dict(_parse_param(p) for p in pairs))
    return params


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
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = "",
) -> None:
    """Submit a job and print it."""
    body: dict[str, Any] = {"kind": kind, "params": _params(param or [], params_file)}
    if queue is not None:
        body["queue"] = queue
    if priority is not None:
        body["priority"] = priority
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    _show(ApiClient(url, api_key).call("POST", JOBS, json=body, headers=headers))


def status(job_id: str, url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Print a job."""
    _show(ApiClient(url, api_key).call("GET", f"{JOBS}/{job_id}"))


def watch(job_id: str, url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Follow a job's progress live until it finishes; exits 1 unless it succeeded."""
    last: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task(job_id, total=None)
        for last in ApiClient(url, api_key).events(f"{JOBS}/{job_id}/events"):
            progress = last["progress"]
            total = progress["total"] or 1
            done = (
                progress["succeeded"] + progress["failed"]
                if progress["total"]
                else (1 if last["status"] in FINISHED else 0)
            )
            bar.update(
                task, total=total, completed=done, description=f"{job_id[:8]} {last['status']}"
            )
    console.print(f"{job_id} {last.get('status')}")
    if last.get("status") != "succeeded":
        raise typer.Exit(1)


def jobs(
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    queue: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = "",
) -> None:
    """List recent jobs, newest first."""
    query = {
        k: v
        for k, v in {"status": status, "kind": kind, "queue": queue, "limit": limit}.items()
        if v is not None
    }
    page = ApiClient(url, api_key).call("GET", JOBS, params=query)
    table = Table("id", "kind", "queue", "status", "progress", "attempts", "created")
    for job in page["items"]:
        p = job["progress"]
        done = f"{p['succeeded'] + p['failed']}/{p['total']}" if p["total"] else "-"
        table.add_row(
            job["id"],
            job["kind"],
            job["queue"],
            job["status"],
            done,
            str(job["attempts"]),
            job["created_at"][:19],
        )
    console.print(table)


def retry(job_id: str, url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Requeue a job's failed items (or the job itself)."""
    body = ApiClient(url, api_key).call("POST", f"{JOBS}/{job_id}/retry")
    console.print(f"requeued {body['requeued']}")


def cancel(job_id: str, url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Cancel a job: queued work never starts, running tasks are revoked."""
    body = ApiClient(url, api_key).call("POST", f"{JOBS}/{job_id}/cancel")
    console.print(f"{job_id} {body['status']}")


def reset_stuck(
    job_id: str,
    older_than: Annotated[int, typer.Option(help="Seconds since heartbeat.")] = 300,
    url: UrlOption = DEFAULT_URL,
    api_key: KeyOption = "",
) -> None:
    """Requeue running items whose heartbeat stopped."""
    body = ApiClient(url, api_key).call(
        "POST", f"{JOBS}/{job_id}/reset-stuck", params={"older_than": older_than}
    )
    console.print(f"requeued {body['requeued']}")


def delete(job_id: str, url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Delete a finished job and its items."""
    ApiClient(url, api_key).call("DELETE", f"{JOBS}/{job_id}")
    console.print(f"deleted {job_id}")


def queues(url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Queue depth: waiting (all priority lists) and in flight (admin)."""
    body = ApiClient(url, api_key).call("GET", "/api/v1/queues")
    table = Table("queue", "waiting", "in flight")
    for q in body["items"]:
        table.add_row(q["queue"], str(q["waiting"]), str(q["in_flight"]))
    console.print(table)


def workers(url: UrlOption = DEFAULT_URL, api_key: KeyOption = "") -> None:
    """Workers, their queues and activity (admin)."""
    body = ApiClient(url, api_key).call("GET", "/api/v1/workers")
    table = Table("hostname", "pool", "queues", "concurrency", "active", "processed")
    for w in body["items"]:
        table.add_row(
            w["hostname"],
            w["pool"],
            ",".join(w["queues"]),
            str(w["concurrency"]),
            str(w["active"]),
            str(w["processed"]),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    for command in (submit, status, watch, jobs, retry, cancel, delete, queues, workers):
        app.command(command.__name__)(command)
    app.command("reset-stuck")(reset_stuck)
