"""The contract of acme.report: pydantic and the SDK only, so the api and beat load it cheaply."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

import conveyor

MAX_VALUES = 100_000


class ReportParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    values: list[float] = Field(min_length=1, max_length=MAX_VALUES)


REPORT = conveyor.contract(
    "acme.report",
    params=ReportParams,
    queue="data",
    description="Summarises values and writes them as a CSV artifact.",
)
