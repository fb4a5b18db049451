"""Cutting a backfill's date range into calendar windows, and its plan: units x windows."""

from __future__ import annotations

from datetime import date

import pytest

from conveyor_backfill.windows import Span, Window, count_windows, windows


def test_months_are_calendar_months_clipped_to_the_range() -> None:
    spans = list(windows(date(2024, 1, 15), date(2024, 3, 10), Window.MONTH))
    assert spans == [
        Span(date(2024, 1, 15), date(2024, 1, 31)),
        Span(date(2024, 2, 1), date(2024, 2, 29)),
        Span(date(2024, 3, 1), date(2024, 3, 10)),
    ]


def test_weeks_start_on_monday() -> None:
    spans = list(windows(date(2024, 1, 3), date(2024, 1, 16), Window.WEEK))
    assert spans == [
        Span(date(2024, 1, 3), date(2024, 1, 7)),
        Span(date(2024, 1, 8), date(2024, 1, 14)),
        Span(date(2024, 1, 15), date(2024, 1, 16)),
    ]


def test_days_are_single_days_across_a_year_end() -> None:
    spans = list(windows(date(2023, 12, 30), date(2024, 1, 2), Window.DAY))
    assert [s.start for s in spans] == [
        date(2023, 12, 30),
        date(2023, 12, 31),
        date(2024, 1, 1),
        date(2024, 1, 2),
    ]
    assert all(s.start == s.end for s in spans)


@pytest.mark.parametrize("window", list(Window))
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 1, 1), date(2024, 6, 30)),
        (date(2024, 2, 29), date(2025, 3, 1)),
        (date(2024, 5, 5), date(2024, 5, 5)),
    ],
)
def test_counting_windows_agrees_with_making_them(start: date, end: date, window: Window) -> None:
    assert count_windows(start, end, window) == len(list(windows(start, end, window)))


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before the start"):
        list(windows(date(2024, 2, 1), date(2024, 1, 1), Window.DAY))
