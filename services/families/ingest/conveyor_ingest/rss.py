"""RSS and Atom feeds: feedparser reads them, after defusedxml has checked the document (an
entity declaration, the stuff of XML bombs, or an external reference is refused).

An entry is identified by its guid (Atom: id), else by its link; one with neither is left out.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from conveyor import NonRetryable
from conveyor_ingest.events import event


def feed_entries(data: bytes) -> list[dict[str, Any]]:
    check_xml(data)
    parsed = feedparser.parse(data)
    if not parsed.get("version"):
        raise NonRetryable("malformed feed: the document is XML, but not an RSS or Atom feed")
    return [record for entry in parsed.entries if (record := _record(entry)) is not None]


def check_xml(data: bytes) -> None:
    """Refuse what is not well-formed XML, and XML that declares entities."""
    try:
        defusedxml.ElementTree.fromstring(data)
    except DefusedXmlException as error:
        raise NonRetryable(
            f"refused feed: it declares XML entities or external references ({error!r}), "
            "which a feed does not need and an XML bomb does"
        ) from None
    except ParseError as error:
        raise NonRetryable(f"malformed feed: {error}") from None


def _record(entry: Any) -> dict[str, Any] | None:
    uid = entry.get("id") or entry.get("link")
    if not uid:
        return None
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    return event(str(uid), title=entry.get("title"), start=_utc(published), url=entry.get("link"))


def _utc(moment: time.struct_time | None) -> datetime | None:
    # feedparser normalises every date it reads to a UTC struct_time
    return None if moment is None else datetime.fromtimestamp(calendar.timegm(moment), UTC)
