"""Reading a dataset back, which the SDK's ``ctx.datasets`` offers as ``records(name)``: every
record of the job's tenant's dataset, in key order, streamed page by page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from conveyor import NonRetryable, TaskContext


class ReadableDatasets(Protocol):
    def records(self, name: str) -> Iterable[dict[str, Any]]: ...


def read_records(ctx: TaskContext, name: str) -> Iterator[dict[str, Any]]:
    datasets: ReadableDatasets = ctx.datasets  # type: ignore[assignment]
    try:
        yield from datasets.records(name)
    except LookupError:
        raise NonRetryable(f"dataset {name!r} not found") from None
