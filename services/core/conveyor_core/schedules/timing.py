"""When a schedule runs: cron times in the schedule's time zone, or a fixed interval.

Cron arithmetic is cronsim's. It follows Debian cron across DST changes: a wall-clock time the
spring-forward skips fires once, at the transition; a time the fall-back repeats fires once
(its first occurrence), while a schedule whose hour field is ``*`` keeps its cadence through
the repeated hour, as elapsed time passes.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

CRON_FIELDS = 5
# Ticks missed for longer than this (beat was down) are skipped rather than all replayed.
MISFIRE_GRACE_SECONDS = 300.0


class InvalidTiming(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name``; refuses anything else (a path, an abbreviation)."""
    if name not in _zone_names():
        raise InvalidTiming("timezone", f"unknown time zone {name!r}: use an IANA name")
    return zoneinfo.ZoneInfo(name)


def check_cron(expression: str) -> None:
    fields = expression.split()
    if len(fields) != CRON_FIELDS:
        raise InvalidTiming(
            "cron",
            f"a cron expression has 5 fields (minute hour day month weekday): {expression!r}",
        )
    try:
        CronSim(expression, datetime.now(UTC))
    except CronSimError as error:
        raise InvalidTiming("cron", f"invalid cron expression {expression!r}: {error}") from None


@dataclass(frozen=True, slots=True)
class Timing:
    cron: str | None
    interval_seconds: int | None
    timezone: str = "UTC"

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment``."""
        if self.interval_seconds is not None:
            return moment + timedelta(seconds=self.interval_seconds)
        assert self.cron is not None
        return _next_cron(self.cron, zone(self.timezone), moment)

    def following(self, tick: datetime, now: datetime) -> datetime:
        """The run after ``tick``: catching up missed runs within the misfire grace only."""
        following = self.next_after(tick)
        horizon = now - timedelta(seconds=MISFIRE_GRACE_SECONDS)
        if following >= horizon:
            return following
        if self.interval_seconds is not None:
            return now
        return self.next_after(horizon)


def _next_cron(expression: str, tz: zoneinfo.ZoneInfo, moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)  # compared as instants, never as wall-clock times
    # cronsim can answer a time at or before a start in a repeated hour (fold=1): skip those
    for candidate in CronSim(expression, moment.astimezone(tz)):
        if candidate > moment:
            return candidate.astimezone(UTC)
    raise InvalidTiming("cron", f"cron expression {expression!r} never fires")
