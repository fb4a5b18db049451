"""A dataset and its records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from conveyor_core.db.base import Base, CreatedAt


class Dataset(CreatedAt, Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # the record fields that identify a record, in order
    key: Mapped[list[str]] = mapped_column(ARRAY(Text))
    record_count: Mapped[int] = mapped_column(server_default="0")
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))


class DatasetRecord(Base):
    """``key`` holds the record's key fields' values as a JSON array: one value for the primary
    key, and PostgreSQL orders JSONB arrays element by element (numbers as numbers), so the
    records page in their natural key order."""

    __tablename__ = "dataset_records"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[list[Any]] = mapped_column(JSONB, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
