"""The dataset API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor_core.datasets.models import Dataset
from conveyor_core.datasets.repository import StoredRecord
from conveyor_core.datasets.service import MAX_KEY_FIELDS

MAX_UPSERT_RECORDS = 10_000


class DatasetOut(BaseModel):
    name: str
    key: list[str]
    record_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, dataset: Dataset) -> DatasetOut:
        return cls(
            name=dataset.name,
            key=dataset.key,
            record_count=dataset.record_count,
            created_at=dataset.created_at,
            updated_at=dataset.updated_at,
        )


class DatasetList(BaseModel):
    items: list[DatasetOut]
    next_cursor: str | None


class RecordOut(BaseModel):
    key: list[Any] = Field(description="The values of the dataset's key fields, in key order.")
    data: dict[str, Any]
    updated_at: datetime

    @classmethod
    def of(cls, record: StoredRecord) -> RecordOut:
        return cls(key=record.key, data=record.data, updated_at=record.updated_at)


class RecordList(BaseModel):
    items: list[RecordOut]
    next_cursor: str | None


class RecordsUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: list[str] = Field(min_length=1, max_length=MAX_KEY_FIELDS, examples=[["unit", "month"]])
    records: list[dict[str, Any]] = Field(
        max_length=MAX_UPSERT_RECORDS, examples=[[{"unit": "u1", "month": "2026-01", "kwh": 3}]]
    )


class Upserted(BaseModel):
    inserted: int
    updated: int
    unchanged: int
