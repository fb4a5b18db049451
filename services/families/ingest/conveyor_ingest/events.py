"""An event as the ingest family stores it, whatever feed it came from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

KEY = ["uid"]
FIELDS = ("uid", "title", "start", "end", "location", "url")


def event(
    uid: str,
    *,
    title: Any = None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    location: Any = None,
    url: Any = None,
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": _text(title),
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
        "location": _text(location),
        "url": _text(url),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
