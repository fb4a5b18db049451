"""``ctx.artifacts``: a task's files in and out, through the artifact service.

An output streams into the store inside a transaction of its own and is listed on the job; a
read holds a session open until the stream is closed.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast

from sqlalchemy.orm import Session, sessionmaker

from conveyor.context import ArtifactData
from conveyor_core.artifacts import service
from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.artifacts.service import DEFAULT_CONTENT_TYPE
from conveyor_core.artifacts.storage import CHUNK_BYTES
from conveyor_core.db.engine import transaction


class TaskArtifacts:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: ArtifactStore,
        tenant_id: Callable[[], uuid.UUID],
        job_id: uuid.UUID,
    ) -> None:
        self._sessions, self._store = sessions, store
        self._tenant_id, self._job_id = tenant_id, job_id

    def write(self, name: str, data: ArtifactData, content_type: str | None = None) -> uuid.UUID:
        with transaction(self._sessions) as session:
            artifact = service.write_artifact(
                session,
                self._store,
                self._tenant_id(),
                name,
                _chunks(data),
                content_type or DEFAULT_CONTENT_TYPE,
                job_id=self._job_id,
            )
        return artifact.id

    def open(self, artifact_id: uuid.UUID | str) -> BinaryIO:
        """Raises ``LookupError`` (``ArtifactNotFound``) for an id the tenant does not have."""
        wanted = _artifact_id(artifact_id)
        session = self._sessions()
        try:
            opened = service.open_artifact(session, self._store, self._tenant_id(), wanted)
        except BaseException:
            session.close()
            raise
        raw = _Download(opened.artifact.name, opened.content, session)
        return cast(BinaryIO, io.BufferedReader(raw, CHUNK_BYTES))


def _artifact_id(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise service.ArtifactNotFound(uuid.UUID(int=0)) from None


def _chunks(data: ArtifactData) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    elif hasattr(data, "read"):
        while chunk := cast(BinaryIO, data).read(CHUNK_BYTES):
            yield chunk
    else:
        for chunk in data:
            yield bytes(chunk)


class _Download(io.RawIOBase):
    """A read-only binary stream over an artifact's chunks; closing it ends its session."""

    def __init__(self, name: str, chunks: Iterator[bytes], session: Session) -> None:
        super().__init__()
        self.name = name
        self._chunks, self._session = chunks, session
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._session.close()
        super().close()
