"""What an artifact backend does: take a stream of bytes, give it back, forget it.

Both backends see the content as an iterable of byte strings and never hold more than one
chunk of it; :class:`Meter` counts and hashes the stream on its way in and stops it at the
size limit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

CHUNK_BYTES = 1024 * 1024  # one stored piece: a row's bytea, a multipart upload's read buffer


class ArtifactTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file exceeds {limit} bytes")
        self.limit = limit


class StorageUnavailable(Exception):
    """The artifact lives in a backend this process is not configured for."""


@dataclass(frozen=True, slots=True)
class Written:
    size: int
    sha256: str
    location: str | None  # where the backend put it (an object key), if not the row itself


class Meter:
    """Passes a byte stream through, counting and hashing it; raises past ``limit`` bytes."""

    def __init__(self, chunks: Iterable[bytes], limit: int | None) -> None:
        self._chunks, self._limit = chunks, limit
        self._hash = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            if self._limit is not None and self.size > self._limit:
                raise ArtifactTooLarge(self._limit)
            self._hash.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def rechunk(chunks: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The same bytes in pieces of exactly ``size`` (the last may be shorter, never empty)."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class Storage(Protocol):
    name: str

    def write(
        self, session: Session, artifact_id: uuid.UUID, key: str, content: Meter
    ) -> Written: ...

    def open(
        self, session: Session, artifact_id: uuid.UUID, location: str | None
    ) -> Iterator[bytes]: ...

    def delete(self, session: Session, artifact_id: uuid.UUID, location: str | None) -> None: ...
