"""Stand-in upstreams for trying the data workloads offline: an energy API for
``backfill.fetch``, an iCal and an RSS feed for ``ingest.feed``, and the sources file that
names them.

    python -m conveyor_sources.standins --port 8765 --sources-file .conveyor/sources.yaml

The energy API answers hourly readings for any unit and window, computed from the unit and the
hour (the same every time). Three units show the failure paths: ``flaky`` answers 503 to the
first request for each window, ``limited`` answers 429 with ``Retry-After: 1`` to the first,
and ``missing`` always answers 404.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

ENERGY_PATH = "/energy/units/{unit}/readings?from={start}&to={end}"
CALENDAR_PATH = "/calendar/team.ics"
NEWS_PATH = "/news/feed.xml"
MAX_WINDOW_DAYS = 366
_READINGS = "/energy/units/"

CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Conveyor//stand-in calendar//EN\r
BEGIN:VEVENT\r
UID:standup@standins.conveyor\r
SUMMARY:Team standup\r
DTSTART;TZID=America/New_York:20240101T093000\r
DTEND;TZID=America/New_York:20240101T094500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r
LOCATION:Room 4\r
URL:https://standins.conveyor/standup\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:review@standins.conveyor\r
SUMMARY:Monthly review\r
DTSTART;TZID=America/New_York:20240105T140000\r
DTEND;TZID=America/New_York:20240105T150000\r
RRULE:FREQ=MONTHLY;BYDAY=1FR\r
END:VEVENT\r
END:VCALENDAR\r
"""

NEWS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Stand-in news</title><link>https://standins.conveyor/</link>
<description>Three items that never change</description>
<item><title>Grid maintenance window</title><link>https://standins.conveyor/news/1</link>
<guid>standins-news-1</guid><pubDate>Mon, 01 Jan 2024 09:00:00 GMT</pubDate></item>
<item><title>New wind farm online</title><link>https://standins.conveyor/news/2</link>
<guid>standins-news-2</guid><pubDate>Mon, 05 Feb 2024 09:00:00 GMT</pubDate></item>
<item><title>Quarterly figures</title><link>https://standins.conveyor/news/3</link>
<pubDate>Mon, 01 Apr 2024 09:00:00 GMT</pubDate></item>
</channel></rss>
"""


def sources(base_url: str) -> dict[str, Any]:
    """The sources document naming the stand-ins served at ``base_url``."""
    return {
        "sources": [
            {
                "name": "standin-energy",
                "type": "http",
                "url": base_url + ENERGY_PATH,
                "records": "readings",
                "key": ["unit", "hour"],
                "timeouts": {"connect": 2, "read": 10},
            },
            {"name": "standin-calendar", "type": "ical", "url": base_url + CALENDAR_PATH},
            {"name": "standin-news", "type": "rss", "url": base_url + NEWS_PATH},
        ]
    }


def readings(unit: str, start: date, end: date) -> list[dict[str, Any]]:
    """Hourly readings of ``unit`` from ``start`` to ``end`` (inclusive)."""
    seed = sum(unit.encode())
    hours = ((end - start).days + 1) * 24
    first = datetime(start.year, start.month, start.day)
    return [
        {
            "unit": unit,
            "hour": (first + timedelta(hours=h)).isoformat(),
            "mwh": round(10 + (seed + h) % 24 * 1.5, 1),
        }
        for h in range(hours)
    ]


class Standins(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.first_calls: set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def first_time(self, path: str) -> bool:
        with self.lock:
            first = path not in self.first_calls
            self.first_calls.add(path)
            return first


class _Handler(BaseHTTPRequestHandler):
    server: Standins

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == CALENDAR_PATH:
            self._send(200, CALENDAR.encode(), "text/calendar")
        elif url.path == NEWS_PATH:
            self._send(200, NEWS.encode(), "application/rss+xml")
        elif url.path.startswith(_READINGS) and url.path.endswith("/readings"):
            self._energy(unquote(url.path[len(_READINGS) : -len("/readings")]), url.query)
        else:
            self._json(404, {"error": "no such path"})

    def _energy(self, unit: str, query: str) -> None:
        args = parse_qs(query)
        try:
            start = date.fromisoformat(args["from"][0])
            end = date.fromisoformat(args["to"][0])
        except (KeyError, ValueError):
            self._json(400, {"error": "from and to are dates, YYYY-MM-DD"})
            return
        if not 0 <= (end - start).days < MAX_WINDOW_DAYS:
            self._json(400, {"error": f"a window is 1 to {MAX_WINDOW_DAYS} days"})
        elif unit == "missing":
            self._json(404, {"error": f"unknown unit {unit!r}"})
        elif unit == "flaky" and self.server.first_time(self.path):
            self._json(503, {"error": "temporarily unavailable"})
        elif unit == "limited" and self.server.first_time(self.path):
            self._json(429, {"error": "slow down"}, {"Retry-After": "1"})
        else:
            self._json(200, {"readings": readings(unit, start, end)})

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the dev stack prefixes and prints the processes' own lines only


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m conveyor_sources.standins")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sources-file", type=Path, help="write the sources naming the stand-ins")
    args = parser.parse_args(argv)
    server = Standins(args.host, args.port)
    if args.sources_file is not None:
        args.sources_file.parent.mkdir(parents=True, exist_ok=True)
        args.sources_file.write_text(yaml.safe_dump(sources(server.url), sort_keys=False))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"stand-in upstreams on {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
