from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from conveyor_core.db.base import Base, CreatedAt


class Schedule(CreatedAt, Base):
    """A periodic job: beat creates one job of ``kind`` per tick (a cron time or an interval)."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("(cron IS NULL) <> (interval_seconds IS NULL)", name="one_timing"),
        CheckConstraint("overlap IN ('allow', 'skip')", name="overlap"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    queue: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int | None] = mapped_column(SmallInteger)
    cron: Mapped[str | None] = mapped_column(String(100))
    interval_seconds: Mapped[int | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    enabled: Mapped[bool] = mapped_column(default=True)
    overlap: Mapped[str] = mapped_column(String(8), default="allow", server_default="allow")
    last_run_at: Mapped[datetime | None]
    # no foreign key: deleting or purging jobs must not have to look at schedules
    last_job_id: Mapped[uuid.UUID | None]
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
