"""Reading a dataset back through ``ctx.datasets.records(name)``: every record of the job's
tenant's dataset, in key order, streamed page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conveyor import NonRetryable, TaskContext


def read_records(ctx: TaskContext, name: str) -> Iterator[dict[str, Any]]:
    try:
        yield from ctx.datasets.records(name)
    except LookupError:
        raise NonRetryable(f"dataset {name!r} not found") from None
