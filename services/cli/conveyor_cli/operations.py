"""Catalogue and operator commands: task kinds, queue depth, workers."""

from __future__ import annotations

import typer

from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.tables import console, table


def kinds(url: UrlOption = None, api_key: KeyOption = "") -> None:
    """The task kinds that can be submitted: queue, fan-out or not, description."""
    body = ApiClient(url, api_key).call("GET", "/api/v1/task-kinds")
    grid = table("kind", "queue", "fan-out", "description")
    for kind in body["items"]:
        grid.add_row(
            kind["kind"], kind["queue"], "yes" if kind["fanout"] else "", kind["description"]
        )
    console.print(grid)


def queues(url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Queue depth: waiting (all priority lists) and in flight (admin)."""
    body = ApiClient(url, api_key).call("GET", "/api/v1/queues")
    grid = table("queue", "waiting", "in flight")
    for q in body["items"]:
        grid.add_row(q["queue"], str(q["waiting"]), str(q["in_flight"]))
    console.print(grid)


def workers(url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Workers, their queues and activity (admin)."""
    body = ApiClient(url, api_key).call("GET", "/api/v1/workers")
    grid = table("hostname", "pool", "queues", "concurrency", "active", "processed")
    for w in body["items"]:
        grid.add_row(
            w["hostname"],
            w["pool"],
            ",".join(w["queues"]),
            str(w["concurrency"]),
            str(w["active"]),
            str(w["processed"]),
        )
    console.print(grid)


def register(app: typer.Typer) -> None:
    for command in (kinds, queues, workers):
        app.command(command.__name__)(command)
