"""Every SQL statement about datasets and their records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, delete, func, literal, literal_column, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from conveyor_core.datasets.models import Dataset, DatasetRecord


@dataclass(frozen=True, slots=True)
class StoredRecord:
    key: list[Any]
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Written:
    inserted: int
    updated: int


def ensure_dataset(session: Session, tenant_id: uuid.UUID, name: str, key: list[str]) -> Dataset:
    """The tenant's dataset ``name``, created with ``key`` if it is new; locked until commit so
    concurrent writers keep its counts exact."""
    session.execute(
        insert(Dataset)
        .values(id=uuid.uuid4(), tenant_id=tenant_id, name=name, key=key)
        .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
    )
    return session.scalars(
        select(Dataset)
        .where(Dataset.tenant_id == tenant_id, Dataset.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def upsert_records(
    session: Session, dataset_id: uuid.UUID, rows: Sequence[tuple[list[Any], dict[str, Any]]]
) -> Written:
    """Insert new keys and overwrite changed records in one statement; a record whose data is
    unchanged is left alone (its ``updated_at`` too) and is not counted as written."""
    values = insert(DatasetRecord).values(
        [{"dataset_id": dataset_id, "key": key, "data": data} for key, data in rows]
    )
    statement: ReturningInsert[Any] = values.on_conflict_do_update(
        index_elements=["dataset_id", "key"],
        set_={"data": values.excluded.data, "updated_at": func.now()},
        where=DatasetRecord.data.is_distinct_from(values.excluded.data),
    ).returning(literal_column("xmax = 0", Boolean))  # 0 on a freshly inserted row version
    fresh: list[bool] = list(session.scalars(statement))
    return Written(inserted=sum(fresh), updated=len(fresh) - sum(fresh))


def count_written(session: Session, dataset_id: uuid.UUID, inserted: int) -> None:
    session.execute(
        update(Dataset)
        .where(Dataset.id == dataset_id)
        .values(record_count=Dataset.record_count + inserted, updated_at=func.now())
    )


def get_dataset(session: Session, tenant_id: uuid.UUID, name: str) -> Dataset | None:
    return session.scalars(
        select(Dataset).where(Dataset.tenant_id == tenant_id, Dataset.name == name)
    ).one_or_none()


def page_datasets(
    session: Session, tenant_id: uuid.UUID, after: str | None, limit: int
) -> list[Dataset]:
    statement = select(Dataset).where(Dataset.tenant_id == tenant_id)
    if after is not None:
        statement = statement.where(Dataset.name > after)
    return list(session.scalars(statement.order_by(Dataset.name).limit(limit)))


def page_records(
    session: Session, dataset_id: uuid.UUID, after: list[Any] | None, limit: int
) -> list[StoredRecord]:
    # columns, not entities: a JSON array primary key cannot key the session's identity map
    statement = select(DatasetRecord.key, DatasetRecord.data, DatasetRecord.updated_at).where(
        DatasetRecord.dataset_id == dataset_id
    )
    if after is not None:
        statement = statement.where(DatasetRecord.key > literal(after, JSONB))
    rows = session.execute(statement.order_by(DatasetRecord.key).limit(limit))
    return [StoredRecord(key, data, updated_at) for key, data, updated_at in rows]


def delete_dataset(session: Session, tenant_id: uuid.UUID, name: str) -> bool:
    result = session.execute(
        delete(Dataset).where(Dataset.tenant_id == tenant_id, Dataset.name == name)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
