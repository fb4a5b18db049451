"""The contracts of ``ingest.feed`` and ``ingest.all_sources``: pydantic, the SDK and the
sources file only.

``source`` is checked against the configured sources when the params are validated: an
unknown source, or one that is not an iCal or RSS feed, is a 422 at ``POST /api/v1/jobs``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

import conveyor
from conveyor_sources import FeedSource, find_source

QUEUE = "default"
FEED_TYPES = frozenset({"ical", "rss"})
DEFAULT_HORIZON_DAYS = 60
MAX_HORIZON_DAYS = 3660


class HorizonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(
        default=DEFAULT_HORIZON_DAYS,
        ge=1,
        le=MAX_HORIZON_DAYS,
        description="iCal: recurring events are expanded from now to this many days ahead",
    )


class FeedParams(HorizonParams):
    source: str = Field(description="the name of a configured ical or rss source")

    @field_validator("source")
    @classmethod
    def _configured(cls, name: str) -> str:
        find_source(name, FeedSource, FEED_TYPES)
        return name

    def feed_source(self) -> FeedSource:
        return find_source(self.source, FeedSource, FEED_TYPES)


class AllSourcesParams(HorizonParams):
    """Every configured feed source, one item each."""


FEED = conveyor.contract(
    "ingest.feed",
    params=FeedParams,
    queue=QUEUE,
    description="Fetches an iCal or RSS/Atom feed and upserts its events into a dataset.",
)
ALL_SOURCES = conveyor.contract(
    "ingest.all_sources",
    params=AllSourcesParams,
    queue=QUEUE,
    fanout=True,
    description="Ingests every configured feed source, one item per source.",
)
