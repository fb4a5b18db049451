"""What one configured upstream looks like: an HTTP source or a feed.

Plain pydantic models: loading the file (``loading.py``) turns their errors into messages that
name the file and the entry.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from conveyor_sources.secrets import check_references

# a source's name is also the default dataset name, so it follows the dataset naming rule
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
URL_PLACEHOLDERS = frozenset({"unit", "start", "end"})
_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)


class Timeouts(BaseModel):
    """Seconds an upstream may take: to connect, and between two reads of its answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    connect: float = Field(default=5.0, gt=0, le=120)
    read: float = Field(default=30.0, gt=0, le=600)


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    type: str
    url: str = Field(min_length=1, max_length=2000)
    # values may hold ${ENV_VAR} references, expanded only when a request is made
    headers: dict[str, str] = Field(default_factory=dict)
    timeouts: Timeouts = Field(default_factory=Timeouts)

    @field_validator("url")
    @classmethod
    def _absolute_http(cls, url: str) -> str:
        if not _HTTP_URL.match(url):
            raise ValueError("the url must start with http:// or https://")
        return url

    @field_validator("headers")
    @classmethod
    def _references(cls, headers: dict[str, str]) -> dict[str, str]:
        for header, value in headers.items():
            check_references(header, value)
        return headers

    def public(self) -> dict[str, Any]:
        """The source as an operator may see it: header names, never their values."""
        return {
            "name": self.name,
            "type": self.type,
            "url": self.url,
            "headers": sorted(self.headers),
        }


class HttpSource(_Source):
    """An API answering JSON for one unit and one date window."""

    type: Literal["http"]
    # the JSON key of the answer that holds the list of records; none: the answer is the list
    records: str | None = Field(default=None, min_length=1)
    key: list[str] = Field(min_length=1, max_length=16)

    @field_validator("url")
    @classmethod
    def _placeholders(cls, url: str) -> str:
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(url) if field is not None}
        except ValueError as error:
            raise ValueError(f"the url template is malformed: {error}") from None
        unknown = used - URL_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"the url may use {{unit}}, {{start}} and {{end}} only, not {sorted(unknown)}"
            )
        return url

    @field_validator("key")
    @classmethod
    def _distinct(cls, key: list[str]) -> list[str]:
        if len(set(key)) != len(key) or not all(key):
            raise ValueError("the key is a list of distinct, non-empty field names")
        return key

    def public(self) -> dict[str, Any]:
        return {**super().public(), "records": self.records, "key": list(self.key)}


class FeedSource(_Source):
    """An iCalendar feed or an RSS/Atom feed."""

    type: Literal["ical", "rss"]


Source = Annotated[HttpSource | FeedSource, Field(discriminator="type")]
