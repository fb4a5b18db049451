"""``upsert_records``, the function a task's ``ctx.datasets.upsert`` calls, on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.datasets.service import (
    BATCH_ROWS,
    InvalidRecord,
    KeyMismatch,
    Upserted,
    upsert_records,
)
from conveyor_core.db.engine import transaction


def test_a_write_larger_than_a_batch_counts_every_record(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    count = 2 * BATCH_ROWS + 7
    records = ({"id": n, "value": n % 3} for n in range(count))  # any iterable, streamed
    with transaction(sessions) as session:
        first = upsert_records(session, tenant_id, "numbers", records, key=["id"])
    assert first == Upserted(inserted=count, updated=0, unchanged=0)
    changed = ({"id": n, "value": n % 3 + (n % 2)} for n in range(count + 1))
    with transaction(sessions) as session:
        second = upsert_records(session, tenant_id, "numbers", changed, key=["id"])
    odd = count // 2
    assert second == Upserted(inserted=1, updated=odd, unchanged=count - odd)
    with sessions() as session:
        stored = session.scalar(text("SELECT record_count FROM datasets"))
    assert stored == count + 1


def test_a_key_repeated_in_one_write_keeps_its_last_record(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    records = [{"id": "a", "v": 1}, {"id": "a", "v": 2}]
    with transaction(sessions) as session:
        done = upsert_records(session, tenant_id, "dupes", records, key=["id"])
    assert done == Upserted(inserted=1, updated=0, unchanged=0)
    with sessions() as session:
        assert session.scalar(text("SELECT data->>'v' FROM dataset_records")) == "2"


def test_errors_name_the_record_and_the_key(
    sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    with transaction(sessions) as session:
        upsert_records(session, tenant_id, "keyed", [{"a": 1, "b": 2}], key=["a", "b"])
    with (
        pytest.raises(KeyMismatch, match=r"keyed by \['a', 'b'\], not \['b', 'a'\]"),
        transaction(sessions) as session,
    ):
        upsert_records(session, tenant_id, "keyed", [{"a": 1, "b": 2}], key=["b", "a"])
    with (
        pytest.raises(InvalidRecord, match=r"record 1: .*\['b'\]"),
        transaction(sessions) as session,
    ):
        upsert_records(session, tenant_id, "keyed", [{"a": 1, "b": 2}, {"a": 2}], ["a", "b"])
