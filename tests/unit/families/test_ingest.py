"""ingest.feed and ingest.all_sources against stand-in feeds on a real socket: recurring iCal
events expanded within the horizon, RSS and Atom entries, unchanged events not rewritten,
malformed feeds and XML bombs refused.

The task bodies run with the in-memory TaskContext of tests/unit/families/memory.py, allowed
only in these unit tests of pure task logic; the end-to-end tests go through the api and
real workers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from conveyor import NonRetryable
from conveyor_ingest.contracts import AllSourcesParams, FeedParams
from conveyor_ingest.ical import calendar_events
from conveyor_ingest.schedules import default_schedules
from conveyor_ingest.tasks import AllSources, feed
from conveyor_sources.upstream import UpstreamUnavailable
from tests.unit.families.memory import MemoryContext
from tests.unit.families.sources import SourcesFile
from tests.unit.families.upstream import Answer, Upstream

WEEKLY = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Conveyor tests//EN\r
BEGIN:VEVENT\r
UID:standup@example.test\r
SUMMARY:Standup\r
DTSTART;TZID=America/New_York:20260105T090000\r
DTEND;TZID=America/New_York:20260105T091500\r
RRULE:FREQ=WEEKLY;BYDAY=MO\r
EXDATE;TZID=America/New_York:20260119T090000\r
LOCATION:Room 1\r
URL:https://example.test/standup\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:launch@example.test\r
SUMMARY:Launch\r
DTSTART;VALUE=DATE:20260110\r
END:VEVENT\r
END:VCALENDAR\r
"""
DAILY = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Conveyor tests//EN\r
BEGIN:VEVENT\r
UID:daily@example.test\r
SUMMARY:Backup\r
DTSTART:20200101T090000Z\r
RRULE:FREQ=DAILY\r
END:VEVENT\r
END:VCALENDAR\r
"""
RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>News</title><link>https://news.example.test/</link>
<item><title>First</title><link>https://news.example.test/1</link><guid>urn:news:1</guid>
<pubDate>Mon, 05 Jan 2026 09:00:00 +0100</pubDate></item>
<item><title>Second</title><link>https://news.example.test/2</link></item>
<item><title>Neither guid nor link</title></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Log</title><id>urn:log</id>
<updated>2026-01-02T10:00:00Z</updated>
<entry><title>Entry</title><id>urn:log:1</id><link href="https://log.example.test/1"/>
<updated>2026-01-02T10:00:00Z</updated></entry></feed>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><title>&d;</title></channel></rss>"""


def feeds(upstream: Upstream) -> list[dict[str, Any]]:
    return [
        {"name": "team-calendar", "type": "ical", "url": upstream.url + "/team.ics"},
        {"name": "news", "type": "rss", "url": upstream.url + "/news.xml"},
        {"name": "energy", "type": "http", "url": upstream.url + "/{unit}", "key": ["id"]},
    ]


def test_recurring_events_are_expanded_within_the_window() -> None:
    events = calendar_events(
        WEEKLY, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    )
    uids = sorted(event["uid"] for event in events)
    assert uids == [
        "launch@example.test",
        "standup@example.test/2026-01-05T09:00:00-05:00",
        "standup@example.test/2026-01-12T09:00:00-05:00",
        "standup@example.test/2026-01-26T09:00:00-05:00",  # the 19th is excluded
    ]
    standup = next(e for e in events if e["uid"].endswith("2026-01-12T09:00:00-05:00"))
    assert standup == {
        "uid": "standup@example.test/2026-01-12T09:00:00-05:00",
        "title": "Standup",
        "start": "2026-01-12T09:00:00-05:00",
        "end": "2026-01-12T09:15:00-05:00",
        "location": "Room 1",
        "url": "https://example.test/standup",
    }
    launch = next(e for e in events if e["uid"] == "launch@example.test")
    assert (launch["start"], launch["end"]) == ("2026-01-10", "2026-01-11")


def test_an_ical_feed_is_expanded_over_the_horizon_from_now(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/team.ics", Answer(200, DAILY, {"Content-Type": "text/calendar"}))
    result = feed(FeedParams(source="team-calendar", horizon_days=10), ctx)
    assert result == {
        "source": "team-calendar",
        "dataset": "team-calendar",
        "events": 10,
        "written": 10,
    }
    assert ctx.datasets.key["team-calendar"] == ["uid"]
    assert len(ctx.datasets.rows("team-calendar")) == 10


def test_unchanged_events_are_not_rewritten(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/news.xml", Answer(200, RSS))
    assert feed(FeedParams(source="news"), ctx)["written"] == 2
    assert feed(FeedParams(source="news"), ctx) == {
        "source": "news",
        "dataset": "news",
        "events": 2,
        "written": 0,
    }


def test_rss_entries_are_keyed_by_guid_else_link(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/news.xml", Answer(200, RSS))
    feed(FeedParams(source="news"), ctx)
    first, second = sorted(ctx.datasets.rows("news"), key=lambda r: r["title"])
    assert first == {
        "uid": "urn:news:1",
        "title": "First",
        "start": "2026-01-05T08:00:00+00:00",
        "end": None,
        "location": None,
        "url": "https://news.example.test/1",
    }
    assert second["uid"] == "https://news.example.test/2"


def test_an_atom_feed_is_read(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/news.xml", Answer(200, ATOM))
    feed(FeedParams(source="news"), ctx)
    [entry] = ctx.datasets.rows("news")
    assert (entry["uid"], entry["start"]) == ("urn:log:1", "2026-01-02T10:00:00+00:00")


def test_an_xml_bomb_is_refused(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/news.xml", Answer(200, BOMB))
    with pytest.raises(NonRetryable, match="refused feed: it declares XML entities"):
        feed(FeedParams(source="news"), ctx)
    assert ctx.datasets.upserts == []


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/news.xml",
            b"<rss><channel><title>cut",
            "malformed feed: no element found: line 1, column 24",
        ),
        ("/news.xml", b"<html><body>moved</body></html>", "not an RSS or Atom feed"),
        ("/team.ics", b"<html>not a calendar</html>", "malformed iCalendar feed"),
        (
            "/team.ics",
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:soon\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "malformed iCalendar feed",
        ),
    ],
)
def test_a_malformed_feed_fails_terminally_with_the_parsers_reason(
    sources_file: SourcesFile,
    upstream: Upstream,
    ctx: MemoryContext,
    path: str,
    body: bytes,
    message: str,
) -> None:
    sources_file(feeds(upstream))
    upstream.answer(path, Answer(200, body))
    source = "news" if path == "/news.xml" else "team-calendar"
    with pytest.raises(NonRetryable, match=message):
        feed(FeedParams(source=source), ctx)


def test_a_feed_answering_5xx_is_retried_and_404_is_not(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    upstream.answer("/news.xml", Answer(502, b"bad gateway"), Answer(404, b"gone"))
    with pytest.raises(UpstreamUnavailable, match="answered 502"):
        feed(FeedParams(source="news"), ctx)
    with pytest.raises(NonRetryable, match="answered 404: gone"):
        feed(FeedParams(source="news"), ctx)


def test_a_source_that_is_not_a_feed_is_refused(
    sources_file: SourcesFile, upstream: Upstream
) -> None:
    sources_file(feeds(upstream))
    for name in ("energy", "missing"):
        with pytest.raises(ValidationError, match="configured: news, team-calendar"):
            FeedParams(source=name)
    with pytest.raises(ValidationError, match="horizon_days"):
        FeedParams(source="news", horizon_days=0)


def test_all_sources_fans_out_one_item_per_feed_source(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file(feeds(upstream))
    fanout = AllSources()
    plan = list(fanout.plan(AllSourcesParams()))
    assert plan == [{"source": "team-calendar"}, {"source": "news"}]
    upstream.answer("/news.xml", Answer(200, RSS))
    assert fanout.item(AllSourcesParams(), plan[1], ctx)["events"] == 2


def test_the_daily_schedule_is_enabled_only_with_a_feed_source(
    sources_file: SourcesFile, upstream: Upstream
) -> None:
    sources_file([feeds(upstream)[2]])
    [daily] = default_schedules()
    assert daily == {
        "name": "ingest.all_sources daily",
        "kind": "ingest.all_sources",
        "params": {},
        "cron": "0 6 * * *",
        "timezone": "America/New_York",
        "enabled": False,
    }
    sources_file(feeds(upstream))
    assert default_schedules()[0]["enabled"] is True
