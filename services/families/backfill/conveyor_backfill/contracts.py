"""The contract of ``backfill.fetch``: pydantic, the SDK and the sources file only, so the api
and beat load it without the worker's HTTP client.

``source`` is checked against the configured sources when the params are validated: an
unknown source, or one that is not an HTTP source, is a 422 at ``POST /api/v1/jobs`` naming
the field and the sources that are configured.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

import conveyor
from conveyor_backfill.windows import Window, count_windows
from conveyor_sources import HttpSource, find_source

QUEUE = "data"
MAX_UNITS = 1000
MAX_ITEMS = 10_000  # units x windows: a larger backfill is split into several jobs
DATASET_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class FetchParams(BaseModel):
    """Fetch ``units`` x the windows of ``start``..``end`` (inclusive) from an HTTP source."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(description="the name of a configured HTTP source")
    units: list[str] = Field(min_length=1, max_length=MAX_UNITS)
    start: date = Field(description="the first day, YYYY-MM-DD")
    end: date = Field(description="the last day (inclusive), YYYY-MM-DD")
    window: Window = Field(description="month, week (ISO, from Monday) or day")
    dataset: str | None = Field(
        default=None, pattern=DATASET_NAME, description="default: the source's name"
    )

    @field_validator("source")
    @classmethod
    def _configured(cls, name: str) -> str:
        find_source(name, HttpSource, {"http"})
        return name

    @field_validator("units")
    @classmethod
    def _distinct_units(cls, units: list[str]) -> list[str]:
        if not all(unit and len(unit) <= 200 for unit in units):
            raise ValueError("a unit is a non-empty string of at most 200 characters")
        if len(set(units)) != len(units):
            raise ValueError("units are listed once each")
        return units

    @model_validator(mode="after")
    def _bounded_plan(self) -> FetchParams:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        items = len(self.units) * count_windows(self.start, self.end, self.window)
        if items > MAX_ITEMS:
            raise ValueError(
                f"{items} items (units x windows) exceed {MAX_ITEMS}: split the backfill "
                "or use a longer window"
            )
        return self

    @property
    def dataset_name(self) -> str:
        return self.dataset or self.source

    def http_source(self) -> HttpSource:
        return find_source(self.source, HttpSource, {"http"})


FETCH = conveyor.contract(
    "backfill.fetch",
    params=FetchParams,
    queue=QUEUE,
    fanout=True,
    description="Fetches units x date windows from an HTTP source into a dataset.",
)
