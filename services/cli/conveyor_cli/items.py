"""``conveyor items``: the items of a fan-out job, in position order."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from conveyor_cli import paging
from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.resolve import JOBS, JobId, job_id
from conveyor_cli.tables import console, table


def _error(item: dict[str, Any]) -> str:
    error = item["error"]
    return "" if not error else f"{error.get('type', 'error')}: {error.get('message', '')}"


def items(
    job: JobId,
    status: Annotated[str | None, typer.Option(help="Only items in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Items per page.")] = 100,
    cursor: Annotated[str | None, typer.Option(help="Start at this page (see next page).")] = None,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow every page.")] = False,
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """List a fan-out job's items: position, id, status, attempts and error."""
    client = ApiClient(url, api_key)
    path = f"{JOBS}/{job_id(client, job)}/items"
    query = {"status": status, "limit": limit, "cursor": cursor}
    grid = table("position", "id", "status", "attempts", "error")
    for item in paging.rows(client, path, query, all_pages):
        grid.add_row(
            str(item["position"]), item["id"], item["status"], str(item["attempts"]), _error(item)
        )
    console.print(grid)
