"""Writing, reading and deleting artifacts: what the api's routes and tasks call.

A task writes its outputs with :func:`write_artifact` (passing its ``job_id``) inside a
transaction of its own; the content streams into the store as the iterable yields it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from conveyor_core.artifacts import repository
from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.artifacts.models import Artifact
from conveyor_core.artifacts.storage import Meter

MAX_NAME_LENGTH = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_CONTENT_TYPE = re.compile(
    r"^[\w.+-]+/[\w.+-]+(\s*;\s*[\w.+-]+=(\"[^\"\x00-\x1f]*\"|[\w.+-]+))*$", re.ASCII
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ArtifactNotFound(LookupError):
    def __init__(self, artifact_id: uuid.UUID) -> None:
        super().__init__(f"artifact {artifact_id} not found")


class InvalidArtifact(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class OpenedArtifact:
    artifact: Artifact
    content: Iterator[bytes]


def _check(name: str, content_type: str) -> None:
    if not name or len(name) > MAX_NAME_LENGTH or _CONTROL.search(name):
        raise InvalidArtifact(
            "name", f"a name is 1 to {MAX_NAME_LENGTH} characters without control characters"
        )
    if len(content_type) > MAX_NAME_LENGTH or not _CONTENT_TYPE.match(content_type):
        raise InvalidArtifact("content_type", f"{content_type!r} is not a media type")


def write_artifact(
    session: Session,
    store: ArtifactStore,
    tenant_id: uuid.UUID,
    name: str,
    chunks: Iterable[bytes],
    content_type: str = DEFAULT_CONTENT_TYPE,
    job_id: uuid.UUID | None = None,
    *,
    expires_at: datetime | None = None,
    max_bytes: int | None = None,
) -> Artifact:
    """Store ``chunks`` as a new artifact; raises ``ArtifactTooLarge`` past ``max_bytes``
    (the caller's transaction then rolls back whatever was written)."""
    _check(name, content_type)
    artifact = repository.insert_artifact(
        session,
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        job_id=job_id,
        name=name,
        content_type=content_type,
        backend=store.writer.name,
        expires_at=expires_at,
    )
    written = store.writer.write(
        session, artifact.id, f"{tenant_id}/{artifact.id}", Meter(chunks, max_bytes)
    )
    return repository.record_content(
        session, artifact.id, written.size, written.sha256, written.location
    )


def get_artifact(session: Session, tenant_id: uuid.UUID, artifact_id: uuid.UUID) -> Artifact:
    artifact = repository.get_artifact(session, tenant_id, artifact_id)
    if artifact is None:
        raise ArtifactNotFound(artifact_id)
    return artifact


def open_artifact(
    session: Session, store: ArtifactStore, tenant_id: uuid.UUID, artifact_id: uuid.UUID
) -> OpenedArtifact:
    """The artifact and its content as a stream; the session must stay open while it is read."""
    artifact = get_artifact(session, tenant_id, artifact_id)
    backend = store.reader(artifact.backend)
    return OpenedArtifact(artifact, backend.open(session, artifact.id, artifact.location))


def delete_artifact(
    session: Session, store: ArtifactStore, tenant_id: uuid.UUID, artifact_id: uuid.UUID
) -> None:
    artifact = repository.get_artifact(session, tenant_id, artifact_id, lock=True)
    if artifact is None:
        raise ArtifactNotFound(artifact_id)
    repository.delete_artifact(session, artifact.id)
    # the row goes first: if the content cannot be deleted the transaction rolls back whole
    store.reader(artifact.backend).delete(session, artifact.id, artifact.location)


def job_artifacts(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> list[Artifact]:
    return repository.list_job_artifacts(session, tenant_id, job_id)
