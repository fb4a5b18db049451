"""Every SQL statement about artifacts and their chunks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from conveyor_core.artifacts.models import Artifact, ArtifactChunk


def insert_artifact(session: Session, **values: Any) -> Artifact:
    artifact = Artifact(**values)
    session.add(artifact)
    session.flush()
    return artifact


def record_content(
    session: Session, artifact_id: uuid.UUID, size: int, sha256: str, location: str | None
) -> Artifact:
    return session.scalars(
        update(Artifact)
        .where(Artifact.id == artifact_id)
        .values(size=size, sha256=sha256, location=location)
        .returning(Artifact),
        # the row inserted above is in the session: refresh it from what the UPDATE returns
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one()


def _live(tenant_id: uuid.UUID) -> Any:
    """The tenant's artifacts that have not expired (expired ones await the purge)."""
    return (
        Artifact.tenant_id == tenant_id,
        or_(Artifact.expires_at.is_(None), Artifact.expires_at > func.now()),
    )


def get_artifact(
    session: Session, tenant_id: uuid.UUID, artifact_id: uuid.UUID, *, lock: bool = False
) -> Artifact | None:
    statement = select(Artifact).where(Artifact.id == artifact_id, *_live(tenant_id))
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def list_job_artifacts(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> list[Artifact]:
    return list(
        session.scalars(
            select(Artifact)
            .where(Artifact.job_id == job_id, *_live(tenant_id))
            .order_by(Artifact.created_at, Artifact.id)
        )
    )


def delete_artifact(session: Session, artifact_id: uuid.UUID) -> None:
    session.execute(delete(Artifact).where(Artifact.id == artifact_id))


def insert_chunk(session: Session, artifact_id: uuid.UUID, seq: int, data: bytes) -> None:
    session.execute(insert(ArtifactChunk).values(artifact_id=artifact_id, seq=seq, data=data))


def stream_chunks(session: Session, artifact_id: uuid.UUID) -> Iterator[bytes]:
    """The chunks in order, fetched one row at a time through a server-side cursor."""
    result = session.execute(
        select(ArtifactChunk.data)
        .where(ArtifactChunk.artifact_id == artifact_id)
        .order_by(ArtifactChunk.seq)
        .execution_options(yield_per=1)
    )
    try:
        for (data,) in result:
            yield data
    finally:
        result.close()
