"""Tables whose ids are never cut, however narrow the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

UUID_LENGTH = 36
console = Console()


def table(*columns: str, id_columns: tuple[str, ...] = ("id",)) -> Table:
    """A table whose id columns keep their full width; the other columns wrap instead."""
    grid = Table()
    for column in columns:
        if column in id_columns:
            grid.add_column(column, no_wrap=True, min_width=UUID_LENGTH)
        else:
            grid.add_column(column, overflow="fold")
    return grid
