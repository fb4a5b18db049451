"""Cursor pages: one, or every one after it with ``--all``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from conveyor_cli.client import ApiClient


def rows(
    client: ApiClient, path: str, query: dict[str, Any], follow: bool
) -> Iterator[dict[str, Any]]:
    """The rows of the page at ``query``'s cursor, and of the pages after it if ``follow``;
    says on stderr how to ask for the next page when more remain."""
    query = {k: v for k, v in query.items() if v is not None}
    while True:
        page = client.call("GET", path, params=query)
        yield from page["items"]
        if page["next_cursor"] is None:
            return
        if not follow:
            typer.echo(f"next page: --cursor {page['next_cursor']}", err=True)
            return
        query["cursor"] = page["next_cursor"]
