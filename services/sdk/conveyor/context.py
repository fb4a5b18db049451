"""What a task receives at run time: the protocols the worker's context implements.

Only the worker builds these objects; a task module imports the names for its annotations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:  # a task module's import stays cheap: only the worker configures logging
    import structlog

ArtifactData = bytes | BinaryIO | Iterable[bytes]


class Artifacts(Protocol):
    """Files in and out of a job, stored where every pod can reach them."""

    def write(self, name: str, data: ArtifactData, content_type: str | None = None) -> uuid.UUID:
        """Store ``data`` (bytes, a binary file, or an iterable of chunks, streamed) as an
        artifact of the running job; returns the artifact's id."""
        ...

    def open(self, artifact_id: uuid.UUID | str) -> BinaryIO:
        """A binary stream over an artifact of the job's tenant (an upload or an output)."""
        ...


class Datasets(Protocol):
    """Keyed JSON records per dataset of the job's tenant."""

    def upsert(self, name: str, records: Iterable[Mapping[str, Any]], *, key: list[str]) -> int:
        """Insert or replace ``records`` in dataset ``name``, matched on the ``key`` fields;
        returns how many records were written (identical ones are not written again)."""
        ...

    def records(self, name: str) -> Iterable[dict[str, Any]]:
        """Every record of dataset ``name``, in key order, read page by page as iterated;
        raises ``LookupError`` when the tenant has no such dataset."""
        ...


class TaskContext(Protocol):
    """One execution of a task, or of one item of a fan-out."""

    @property
    def job_id(self) -> uuid.UUID: ...

    @property
    def item_id(self) -> uuid.UUID | None:
        """The fan-out item being run; ``None`` for a plain task."""
        ...

    @property
    def attempt(self) -> int:
        """1 on the first execution, 2 on the first retry, and so on."""
        ...

    @property
    def tenant(self) -> str: ...

    @property
    def log(self) -> structlog.stdlib.BoundLogger:
        """A logger bound to the job, item, task and trace ids."""
        ...

    @property
    def idempotency_key(self) -> str:
        """The same on every retry and redelivery of this job (or item): pass it to systems
        outside Conveyor's database so a repeated execution repeats no effect."""
        ...

    @property
    def artifacts(self) -> Artifacts: ...

    @property
    def datasets(self) -> Datasets: ...

    def should_stop(self) -> bool:
        """True once the job was cancelled or this execution lost its row: return soon."""
        ...

    def progress(self, done: int, total: int, message: str | None = None) -> None:
        """Report progress (published rate-limited, so call it as often as is natural)."""
        ...

    def heartbeat(self) -> None:
        """Say the task is alive; the worker also does so on its own while the task runs."""
        ...
