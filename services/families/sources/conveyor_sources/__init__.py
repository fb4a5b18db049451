"""Conveyor's configured upstreams: ``CONVEYOR_SOURCES_FILE`` lists HTTP sources (for
``backfill.fetch``) and iCal/RSS feeds (for ``ingest.feed``).

Import-light (pydantic and PyYAML): the api and beat read the sources to validate params and to
list them. Calling an upstream lives in :mod:`conveyor_sources.upstream`, imported by workers.
"""

from conveyor_sources.listing import public_sources
from conveyor_sources.loading import SOURCES_FILE_ENV, Sources, SourcesFileError, load_sources
from conveyor_sources.lookup import UnknownSource, find_source
from conveyor_sources.models import FeedSource, HttpSource, Source, Timeouts
from conveyor_sources.secrets import MissingSecret

__all__ = [
    "SOURCES_FILE_ENV",
    "FeedSource",
    "HttpSource",
    "MissingSecret",
    "Source",
    "Sources",
    "SourcesFileError",
    "Timeouts",
    "UnknownSource",
    "find_source",
    "load_sources",
    "public_sources",
]
