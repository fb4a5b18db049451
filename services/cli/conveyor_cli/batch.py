"""``conveyor batch``: many jobs from a JSON Lines file, created all together or not at all."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from conveyor_cli.client import ApiClient, ApiError, KeyOption, UrlOption
from conveyor_cli.errors import fail
from conveyor_cli.resolve import JOBS

BATCH = f"{JOBS}:batch"


def _read(source: Path) -> list[str]:
    try:
        return (sys.stdin.read() if str(source) == "-" else source.read_text()).splitlines()
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {source}: {error}")


def _jobs(source: Path) -> tuple[list[Any], list[int]]:
    """The job bodies, and the line each came from (blank lines hold none)."""
    bodies, lines = [], []
    for number, line in enumerate(_read(source), start=1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except json.JSONDecodeError as error:
            fail(f"{source}:{number}: not JSON: {error}")
        if not isinstance(body, dict):
            fail(f'{source}:{number}: a job is a JSON object like {{"kind": ...}}')
        bodies.append(body)
        lines.append(number)
    if not bodies:
        fail(f"{source} holds no jobs")
    return bodies, lines


def _with_lines(error: ApiError, source: Path, lines: list[int]) -> str:
    """The API's errors, each named by the file line of the job it is about."""
    said = []
    for detail in error.details or []:
        loc = detail.get("loc", []) if isinstance(detail, dict) else []
        if len(loc) > 2 and loc[:2] == ["body", "jobs"] and isinstance(loc[2], int):
            where = ".".join(map(str, loc[3:]))
            said.append(f"\n  {source}:{lines[loc[2]]}: {where}: {detail.get('msg')}")
    return f"{error.code}: no job created{''.join(said)}" if said else str(error)


def batch(
    source: Annotated[
        Path, typer.Argument(help="A JSON Lines file (or - for stdin): one job a line.")
    ],
    url: UrlOption = None,
    api_key: KeyOption = "",
) -> None:
    """Create one job per line of a JSON Lines file: all of them, or none.

    Each line is a job's body, {"kind", "params", "queue"?, "priority"?}. Prints the new ids in
    file order.
    """
    bodies, lines = _jobs(source)
    try:
        created = ApiClient(url, api_key).call("POST", BATCH, json={"jobs": bodies})
    except ApiError as error:
        fail(_with_lines(error, source, lines))
    for job in created["items"]:
        typer.echo(job["id"])
    typer.echo(f"created {len(created['items'])} jobs", err=True)
