"""Datasets: declare a key, upsert records in bulk, read them back in key order.

A task writes with :func:`upsert_records` inside its own transaction; the api's routes read.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from conveyor_core.datasets import repository
from conveyor_core.datasets.models import Dataset
from conveyor_core.datasets.repository import StoredRecord

BATCH_ROWS = 1000  # records per INSERT: 3 parameters each, far below PostgreSQL's 65535
MAX_KEY_FIELDS = 16
MAX_KEY_BYTES = 1024  # a btree entry must stay well under PostgreSQL's ~2.7 kB limit
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
Scalar = str | int | float | bool


class DatasetNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"dataset {name!r} not found")


class InvalidDataset(ValueError):
    """A name or key declaration that cannot be used; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class KeyMismatch(ValueError):
    def __init__(self, name: str, existing: list[str], given: list[str]) -> None:
        super().__init__(f"dataset {name!r} is keyed by {existing}, not {given}")
        self.existing, self.given = existing, given


class InvalidRecord(ValueError):
    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"record {index}: {message}")
        self.index = index


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Upserted:
    inserted: int
    updated: int
    unchanged: int


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise InvalidDataset(
            "name",
            "a dataset name is 1 to 200 letters, digits, '.', '_' or '-', not starting "
            "with a punctuation mark",
        )


def _check_key(key: Sequence[str]) -> list[str]:
    fields = list(key)
    if not 0 < len(fields) <= MAX_KEY_FIELDS or len(set(fields)) != len(fields):
        raise InvalidDataset("key", f"a key is 1 to {MAX_KEY_FIELDS} distinct field names")
    if not all(isinstance(f, str) and f for f in fields):
        raise InvalidDataset("key", "a key's fields are non-empty strings")
    return fields


def _record_key(index: int, record: Any, key: list[str]) -> list[Scalar]:
    if not isinstance(record, dict):
        raise InvalidRecord(index, "a record is a JSON object")
    missing = [field for field in key if record.get(field) is None]
    if missing:
        raise InvalidRecord(index, f"the key field(s) {missing} are missing or null")
    values = [record[field] for field in key]
    if not all(isinstance(v, Scalar) for v in values):
        raise InvalidRecord(index, "key fields hold strings, numbers or booleans")
    if len(json.dumps(values)) > MAX_KEY_BYTES:
        raise InvalidRecord(index, f"the key's values exceed {MAX_KEY_BYTES} bytes")
    return values


def _batches(records: Iterable[Any], key: list[str]) -> Iterator[list[tuple[list[Any], Any]]]:
    """Records keyed, in batches; a key repeated within a batch keeps its last record (one
    statement may not touch a row twice)."""
    numbered = enumerate(records)
    while batch := list(islice(numbered, BATCH_ROWS)):
        by_key: dict[str, tuple[list[Any], Any]] = {}
        for index, record in batch:
            values = _record_key(index, record, key)
            by_key[json.dumps(values)] = (values, record)
        yield list(by_key.values())


def upsert_records(
    session: Session, tenant_id: uuid.UUID, name: str, records: Iterable[Any], key: Sequence[str]
) -> Upserted:
    """Write ``records`` into the tenant's dataset ``name`` (created keyed by ``key``):
    new keys are inserted, changed records replaced, identical ones left as they are."""
    check_name(name)
    fields = _check_key(key)
    dataset = repository.ensure_dataset(session, tenant_id, name, fields)
    if dataset.key != fields:
        raise KeyMismatch(name, dataset.key, fields)
    inserted = updated = seen = 0
    for batch in _batches(records, fields):
        written = repository.upsert_records(session, dataset.id, batch)
        inserted += written.inserted
        updated += written.updated
        seen += len(batch)
    if inserted or updated:
        repository.count_written(session, dataset.id, inserted)
    return Upserted(inserted=inserted, updated=updated, unchanged=seen - inserted - updated)


def get_dataset(session: Session, tenant_id: uuid.UUID, name: str) -> Dataset:
    dataset = repository.get_dataset(session, tenant_id, name)
    if dataset is None:
        raise DatasetNotFound(name)
    return dataset


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("the cursor is not one this API returned") from error


def list_datasets(
    session: Session, tenant_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Dataset], str | None]:
    """By name; the cursor is the last name seen."""
    after = None if cursor is None else _decode(cursor)
    if after is not None and not isinstance(after, str):
        raise InvalidCursor("the cursor is not one this API returned")
    rows = repository.page_datasets(session, tenant_id, after, limit + 1)
    page = rows[:limit]
    return page, _encode(page[-1].name) if len(rows) > limit else None


def list_records(
    session: Session, tenant_id: uuid.UUID, name: str, limit: int, cursor: str | None
) -> tuple[list[StoredRecord], str | None]:
    """In key order; the cursor is the last key seen."""
    dataset = get_dataset(session, tenant_id, name)
    after = None if cursor is None else _decode(cursor)
    if after is not None and not (isinstance(after, list) and len(after) == len(dataset.key)):
        raise InvalidCursor("the cursor is not one this API returned")
    rows = repository.page_records(session, dataset.id, after, limit + 1)
    page = rows[:limit]
    return page, _encode(page[-1].key) if len(rows) > limit else None


def delete_dataset(session: Session, tenant_id: uuid.UUID, name: str) -> None:
    if not repository.delete_dataset(session, tenant_id, name):
        raise DatasetNotFound(name)
