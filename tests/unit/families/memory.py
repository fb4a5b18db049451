"""A TaskContext kept in memory, for the unit tests of the families' task bodies only.

It stands in for the worker's context (datasets and artifacts in PostgreSQL) so the pure task
logic can run without a worker; the end-to-end tests through the api and real workers use
the real one. Its datasets follow the documented semantics: records keyed by the declared
fields, a repeated key replaces the record, an identical record is not written again, and
``upsert`` answers how many records it wrote.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from conveyor import ItemFailure


class Crash(Exception):
    """Stands for the worker dying in the middle of a task."""


@dataclass
class MemoryDatasets:
    key: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    upserts: list[int] = field(default_factory=list)  # records per call
    crash_after_upserts: int | None = None

    def upsert(self, name: str, records: Iterable[Mapping[str, Any]], *, key: list[str]) -> int:
        if self.crash_after_upserts is not None and len(self.upserts) >= self.crash_after_upserts:
            raise Crash(f"died before upsert {len(self.upserts) + 1}")
        if self.key.setdefault(name, list(key)) != list(key):
            raise ValueError(f"dataset {name!r} is keyed by {self.key[name]}, not {key}")
        stored = self.data.setdefault(name, {})
        batch = list(records)
        written = 0
        for record in batch:
            identity = json.dumps([record[f] for f in key])
            if stored.get(identity) != dict(record):
                stored[identity] = json.loads(json.dumps(record))
                written += 1
        self.upserts.append(len(batch))
        return written

    def records(self, name: str) -> Iterable[dict[str, Any]]:
        if name not in self.data:
            raise LookupError(f"dataset {name!r} not found")
        return [self.data[name][identity] for identity in sorted(self.data[name])]

    def rows(self, name: str) -> list[dict[str, Any]]:
        return list(self.records(name))


class _Download:
    """A streamed download: read() and close() only, no seeking (as over a network)."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data = io.BytesIO(data)
        self.name = name
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> _Download:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class MemoryArtifacts:
    files: dict[uuid.UUID, tuple[str, bytes, str | None]] = field(default_factory=dict)
    unnamed: bool = False  # open() without the name, so the format comes from the content

    def add(self, name: str, data: bytes) -> uuid.UUID:
        artifact = uuid.uuid4()
        self.files[artifact] = (name, data, None)
        return artifact

    def write(self, name: str, data: Any, content_type: str | None = None) -> uuid.UUID:
        if isinstance(data, bytes):
            content = data
        elif hasattr(data, "read"):
            content = data.read()
        else:
            content = b"".join(data)
        artifact = uuid.uuid4()
        self.files[artifact] = (name, content, content_type)
        return artifact

    def open(self, artifact_id: uuid.UUID | str) -> Any:
        found = self.files.get(uuid.UUID(str(artifact_id)))
        if found is None:
            raise LookupError(f"artifact {artifact_id} not found")
        return _Download(found[1], "" if self.unnamed else found[0])

    def content(self, artifact_id: uuid.UUID | str) -> bytes:
        return self.files[uuid.UUID(str(artifact_id))][1]


@dataclass
class MemoryContext:
    datasets: MemoryDatasets = field(default_factory=MemoryDatasets)
    artifacts: MemoryArtifacts = field(default_factory=MemoryArtifacts)
    job_id: uuid.UUID = field(default_factory=uuid.uuid4)
    item_id: uuid.UUID | None = None
    attempt: int = 1
    tenant: str = "default"
    idempotency_key: str = "test"
    reported: list[tuple[int, int, str | None]] = field(default_factory=list)
    stop: bool = False

    @property
    def log(self) -> Any:
        return structlog.get_logger("tests.families")

    def should_stop(self) -> bool:
        return self.stop

    def progress(self, done: int, total: int, message: str | None = None) -> None:
        self.reported.append((done, total, message))

    def heartbeat(self) -> None:
        pass


@dataclass
class MemorySummary:
    """A fan-out's item outcomes for a ``finalize`` under test."""

    succeeded: list[dict[str, Any]]
    failed: list[ItemFailure] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"succeeded": len(self.succeeded), "failed": len(self.failed)}

    @property
    def statistics(self) -> dict[str, Any]:
        return {"items": self.counts}

    def results(self) -> Iterable[dict[str, Any]]:
        return iter(self.succeeded)

    def failures(self) -> Iterable[ItemFailure]:
        return iter(self.failed)
