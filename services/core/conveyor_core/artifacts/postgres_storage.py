"""Artifact content in PostgreSQL: 1 MiB rows of ``artifact_chunks``, written and read one at
a time inside the caller's transaction, so every pod sees the same files."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy.orm import Session

from conveyor_core.artifacts import repository
from conveyor_core.artifacts.storage import Meter, Written, rechunk

NAME = "postgres"


class PostgresStorage:
    name = NAME

    def write(self, session: Session, artifact_id: uuid.UUID, key: str, content: Meter) -> Written:
        for seq, chunk in enumerate(rechunk(content)):
            repository.insert_chunk(session, artifact_id, seq, chunk)
        return Written(size=content.size, sha256=content.sha256, location=None)

    def open(
        self, session: Session, artifact_id: uuid.UUID, location: str | None
    ) -> Iterator[bytes]:
        return repository.stream_chunks(session, artifact_id)

    def delete(self, session: Session, artifact_id: uuid.UUID, location: str | None) -> None:
        # the chunks go with the artifact's row (ON DELETE CASCADE)
        return None
