"""The ingest family's default schedule: ``ingest.all_sources`` daily at 06:00 New York time,
enabled only while a feed source is configured (with none, the job would have nothing to do).

Plain data in the shape of ``POST /api/v1/schedules``, for whatever creates the default
schedules at start-up.
"""

from __future__ import annotations

from typing import Any

from conveyor_ingest.contracts import FEED_TYPES
from conveyor_sources import Sources, load_sources

DAILY_NAME = "ingest.all_sources daily"
DAILY_CRON = "0 6 * * *"
DAILY_TIMEZONE = "America/New_York"


def default_schedules(sources: Sources | None = None) -> list[dict[str, Any]]:
    configured = sources if sources is not None else load_sources()
    has_feeds = any(source.type in FEED_TYPES for source in configured)
    return [
        {
            "name": DAILY_NAME,
            "kind": "ingest.all_sources",
            "params": {},
            "cron": DAILY_CRON,
            "timezone": DAILY_TIMEZONE,
            "enabled": has_feeds,
        }
    ]
