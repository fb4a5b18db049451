"""An artifact's row and, for the PostgreSQL backend, its content in chunks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from conveyor_core.db.base import Base, CreatedAt


class Artifact(CreatedAt, Base):
    """A file a tenant uploaded or a task wrote; ``job_id`` is the job whose task wrote it."""

    __tablename__ = "artifacts"
    __table_args__ = (
        Index("ix_artifacts_tenant_created", "tenant_id", "created_at"),
        Index(
            "ix_artifacts_expires_at", "expires_at", postgresql_where=text("expires_at IS NOT NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger, server_default="0")
    sha256: Mapped[str] = mapped_column(String(64), server_default="")
    # which backend holds the content ("postgres" or "s3"), and where in it (an object key)
    backend: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(1024))
    expires_at: Mapped[datetime | None]


class ArtifactChunk(Base):
    """One piece of an artifact kept in PostgreSQL, in order of ``seq``."""

    __tablename__ = "artifact_chunks"

    artifact_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("artifacts.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
