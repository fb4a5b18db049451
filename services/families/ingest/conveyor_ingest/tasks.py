"""The bodies of ``ingest.feed`` and ``ingest.all_sources``: imported by workers only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from conveyor import TaskContext, fanout, task
from conveyor_ingest.contracts import FEED_TYPES, AllSourcesParams, FeedParams
from conveyor_ingest.events import KEY
from conveyor_ingest.ical import calendar_events
from conveyor_ingest.rss import feed_entries
from conveyor_sources import FeedSource, find_source, load_sources
from conveyor_sources.upstream import fetch

MAX_FEED_BYTES = 20 * 1024 * 1024


@task("ingest.feed")
def feed(params: FeedParams, ctx: TaskContext) -> dict[str, Any]:
    return ingest(params.feed_source(), params.horizon_days, ctx)


@fanout("ingest.all_sources")
class AllSources:
    """One item per configured feed source."""

    def plan(self, params: AllSourcesParams) -> Iterator[dict[str, Any]]:
        for source in load_sources():
            if source.type in FEED_TYPES:
                yield {"source": source.name}

    def item(
        self, params: AllSourcesParams, item: dict[str, Any], ctx: TaskContext
    ) -> dict[str, Any]:
        source = find_source(item["source"], FeedSource, FEED_TYPES)
        return ingest(source, params.horizon_days, ctx)


def ingest(source: FeedSource, horizon_days: int, ctx: TaskContext) -> dict[str, Any]:
    """Fetch ``source``, read its events and upsert them into the dataset named after it."""
    data = fetch(source, source.url, max_bytes=MAX_FEED_BYTES)
    if source.type == "ical":
        now = datetime.now(UTC)
        events = calendar_events(data, now, now + timedelta(days=horizon_days))
    else:
        events = feed_entries(data)
    written = ctx.datasets.upsert(source.name, events, key=list(KEY)) if events else 0
    return {
        "source": source.name,
        "dataset": source.name,
        "events": len(events),
        "written": written,
    }
