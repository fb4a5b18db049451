"""iCalendar feeds: icalendar parses, recurring-ical-events expands RRULE/RDATE/EXDATE (and
moved occurrences) within a window.

A single event keeps its UID; each occurrence of a recurring event is stored as
``<UID>/<its start>``, so every occurrence is its own record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import icalendar
import recurring_ical_events

from conveyor import NonRetryable
from conveyor_ingest.events import event

RECURRING = ("RRULE", "RDATE")


def calendar_events(data: bytes, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The events of the calendar ``data`` that overlap ``start``..``end``."""
    calendar = _parse(data)
    recurring = _recurring_uids(calendar)
    try:
        occurrences = recurring_ical_events.of(calendar).between(start, end)
        return [_record(occurrence, recurring) for occurrence in occurrences]
    except NonRetryable:
        raise
    except Exception as error:  # a broken property surfaces only when it is read
        raise NonRetryable(f"malformed iCalendar feed: {error}") from None


def _parse(data: bytes) -> Any:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # icalendar reports malformed content lines as ValueError
        raise NonRetryable(f"malformed iCalendar feed: {error}") from None
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise NonRetryable("malformed iCalendar feed: it holds no VCALENDAR")
    return calendar


def _recurring_uids(calendar: Any) -> set[str]:
    uids: dict[str, int] = {}
    recurring = set()
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID", ""))
        uids[uid] = uids.get(uid, 0) + 1
        if any(name in component for name in RECURRING) or uids[uid] > 1:
            recurring.add(uid)
    return recurring


def _record(occurrence: Any, recurring: set[str]) -> dict[str, Any]:
    uid = str(occurrence.get("UID", ""))
    if not uid:
        raise NonRetryable("malformed iCalendar feed: an event has no UID")
    start = _when(occurrence.get("DTSTART"))
    if uid in recurring and start is not None:
        uid = f"{uid}/{start.isoformat()}"
    return event(
        uid,
        title=occurrence.get("SUMMARY"),
        start=start,
        end=_when(occurrence.get("DTEND")),
        location=occurrence.get("LOCATION"),
        url=occurrence.get("URL"),
    )


def _when(prop: Any) -> date | datetime | None:
    return None if prop is None else prop.dt
