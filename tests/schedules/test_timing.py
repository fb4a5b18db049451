"""Cron and interval arithmetic: time zones, DST changes, the misfire grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import accumulate, pairwise, repeat

import pytest

from conveyor_core.schedules.timing import (
    MISFIRE_GRACE_SECONDS,
    InvalidTiming,
    Timing,
    check_cron,
    zone,
)

NEW_YORK = "America/New_York"


def _runs(timing: Timing, start: datetime, count: int) -> list[datetime]:
    runs = accumulate(
        repeat(None, count), lambda moment, _: timing.next_after(moment), initial=start
    )
    return list(runs)[1:]


def _local(runs: list[datetime], name: str) -> list[str]:
    return [run.astimezone(zone(name)).strftime("%m-%d %H:%M %Z") for run in runs]


def test_spring_forward_fires_a_skipped_time_once_at_the_transition() -> None:
    daily = Timing("30 2 * * *", None, NEW_YORK)
    runs = _runs(daily, datetime(2026, 3, 7, 12, tzinfo=UTC), 3)
    # 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 never exists that day
    assert _local(runs, NEW_YORK) == ["03-08 03:00 EDT", "03-09 02:30 EDT", "03-10 02:30 EDT"]


def test_fall_back_fires_a_repeated_time_once() -> None:
    daily = Timing("30 1 * * *", None, NEW_YORK)
    runs = _runs(daily, datetime(2026, 10, 31, 12, tzinfo=UTC), 3)
    # 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:30 happens twice, fires on the first
    assert _local(runs, NEW_YORK) == ["11-01 01:30 EDT", "11-02 01:30 EST", "11-03 01:30 EST"]


def test_a_start_inside_the_repeated_hour_never_answers_the_past() -> None:
    daily = Timing("30 1 * * *", None, NEW_YORK)
    inside = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST, after 01:30 EDT has fired
    assert _local([daily.next_after(inside)], NEW_YORK) == ["11-02 01:30 EST"]


def test_an_hourly_wildcard_keeps_its_cadence_through_the_repeated_hour() -> None:
    half_hourly = Timing("*/30 * * * *", None, NEW_YORK)
    runs = _runs(half_hourly, datetime(2026, 11, 1, 4, 50, tzinfo=UTC), 5)
    assert {b - a for a, b in pairwise(runs)} == {timedelta(minutes=30)}


def test_weekday_cron_runs_in_its_time_zone() -> None:
    weekdays = Timing("0 9 * * MON-FRI", None, "Europe/Paris")
    runs = _runs(weekdays, datetime(2026, 1, 2, 12, tzinfo=UTC), 3)  # a Friday, after 09:00
    assert _local(runs, "Europe/Paris") == ["01-05 09:00 CET", "01-06 09:00 CET", "01-07 09:00 CET"]
    assert runs[0] == datetime(2026, 1, 5, 8, tzinfo=UTC)


def test_cron_in_utc_by_default_and_strictly_after_the_moment() -> None:
    hourly = Timing("0 * * * *", None)
    on_the_hour = datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert hourly.next_after(on_the_hour) == datetime(2026, 5, 1, 11, tzinfo=UTC)


def test_interval_runs_every_interval() -> None:
    every_minute = Timing(None, 60)
    start = datetime(2026, 5, 1, 10, 0, 30, tzinfo=UTC)
    assert every_minute.next_after(start) == start + timedelta(seconds=60)


def test_cron_catches_up_only_within_the_misfire_grace() -> None:
    every_minute = Timing("* * * * *", None)
    now = datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC)
    recent = now - timedelta(seconds=90)
    assert every_minute.following(recent, now) == recent.replace(second=0) + timedelta(minutes=1)
    long_ago = now - timedelta(days=1)
    horizon = now - timedelta(seconds=MISFIRE_GRACE_SECONDS)
    first_kept = every_minute.following(long_ago, now)
    assert horizon < first_kept <= horizon + timedelta(minutes=1)


def test_interval_far_behind_fires_once_now() -> None:
    every_minute = Timing(None, 60)
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert every_minute.following(now - timedelta(days=1), now) == now


@pytest.mark.parametrize(
    "expression",
    ["* * * *", "* * * * * *", "61 * * * *", "0 0 31 2 *", "@daily", "every minute", ""],
)
def test_bad_cron_expressions_are_refused(expression: str) -> None:
    with pytest.raises(InvalidTiming) as refused:
        check_cron(expression)
    assert refused.value.field == "cron"


@pytest.mark.parametrize("name", ["Mars/Olympus", "EST5EDT/../x", "/etc/passwd", "", "utc "])
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidTiming) as refused:
        zone(name)
    assert refused.value.field == "timezone"
