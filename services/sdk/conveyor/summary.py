"""What a fan-out's ``finalize(self, params, summary)`` reads: its items' outcomes.

Only the worker builds a summary, once, when the job's last item ended; the mapping
``finalize`` returns joins the job's result. Items are read as they are iterated, so a job of a
hundred thousand items is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """A failed (or dead-lettered) item: its place in the plan, what it was, why it failed."""

    position: int
    item: dict[str, Any]
    error: dict[str, Any] | None


class FanoutSummary(Protocol):
    @property
    def counts(self) -> Mapping[str, int]:
        """Items by outcome: ``{"succeeded": n, "failed": m}``."""
        ...

    @property
    def statistics(self) -> Mapping[str, Any]:
        """The job's result without ``finalize``: counts, item durations, failed sample."""
        ...

    def results(self) -> Iterable[dict[str, Any]]:
        """The results of the succeeded items, in plan order."""
        ...

    def failures(self) -> Iterable[ItemFailure]:
        """The failed items, in plan order."""
        ...
