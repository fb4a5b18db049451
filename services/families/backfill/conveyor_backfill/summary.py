"""What a finished backfill says: rows per unit and window, totals, and the failed windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def summarise(
    fetched: Iterable[Mapping[str, Any]], failed: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """``fetched``: the items' results; ``failed``: ``{"unit", "start", "end", "error"}`` each."""
    rows: dict[str, dict[str, int]] = {}
    total = 0
    for result in fetched:
        rows.setdefault(result["unit"], {})[result["start"]] = result["rows"]
        total += result["rows"]
    failures = [dict(failure) for failure in failed]
    windows = sum(len(by_window) for by_window in rows.values())
    return {
        "rows": rows,
        "totals": {"rows": total, "windows": windows, "failed_windows": len(failures)},
        "failures": failures,
    }
