"""Job ids as git takes commit ids: the full id, or any prefix only one job has."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import typer

from conveyor_cli.client import ApiClient
from conveyor_cli.errors import fail

JOBS = "/api/v1/jobs"
PREFIX = re.compile(r"^(?:[0-9a-fA-F]-?){1,32}$")
CANDIDATES_SHOWN = 5

JobId = Annotated[str, typer.Argument(help="A job id, or any prefix of it only one job has.")]


def job_id(client: ApiClient, given: str) -> str:
    """The full id of the one job whose id starts with ``given``; fails on none or several."""
    try:
        return str(uuid.UUID(given))
    except ValueError:
        pass
    if not PREFIX.match(given):
        fail(f"{given!r} is not a job id or the start of one (hex digits)")
    page = client.call("GET", JOBS, params={"id_prefix": given, "limit": CANDIDATES_SHOWN})
    ids = [job["id"] for job in page["items"]]
    if not ids:
        fail(f"no job id starts with {given}")
    if len(ids) > 1:
        more = " ..." if page["next_cursor"] else ""
        fail(f"job id prefix {given} is ambiguous: {', '.join(ids)}{more}; give more digits")
    return str(ids[0])
