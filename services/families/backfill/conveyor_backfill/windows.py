"""Cutting a date range into calendar windows: the backfill's plan is units x windows.

Windows are inclusive at both ends and aligned to the calendar (a month from its 1st, a week
from its Monday, ISO 8601); the first and the last are clipped to the requested range.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Window(StrEnum):
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class Span:
    start: date
    end: date  # inclusive


def windows(start: date, end: date, window: Window) -> Iterator[Span]:
    """The calendar windows covering ``start`` to ``end`` (both inclusive)."""
    if end < start:
        raise ValueError("the end is before the start")
    cursor = start
    while cursor <= end:
        last = min(_window_end(cursor, window), end)
        yield Span(cursor, last)
        cursor = last + timedelta(days=1)


def count_windows(start: date, end: date, window: Window) -> int:
    """How many windows :func:`windows` yields, without making them."""
    if window is Window.DAY:
        return (end - start).days + 1
    if window is Window.WEEK:
        first_monday = start - timedelta(days=start.weekday())
        return (end - first_monday).days // 7 + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _window_end(day: date, window: Window) -> date:
    if window is Window.DAY:
        return day
    if window is Window.WEEK:
        return day + timedelta(days=6 - day.weekday())
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
