"""What a task implementation receives and what it is: the types between the runtime and the
task families."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TaskContext:
    job_id: uuid.UUID
    item_id: uuid.UUID | None
    attempt: int
    # set when the row is no longer ours (cancelled, or its lease was taken over)
    lost: threading.Event = field(default_factory=threading.Event)

    def should_stop(self) -> bool:
        return self.lost.is_set()


Implementation = Callable[[Any, TaskContext], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class FanOut:
    """A fan-out kind: ``plan`` lists the items' params, ``item`` runs one of them."""

    plan: Callable[[Any], list[dict[str, Any]]]
    item: Callable[[Any, dict[str, Any], TaskContext], dict[str, Any] | None]
