"""The job and item state machine: which status may follow which."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DEAD_LETTERED = "dead_lettered"


FINISHED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DEAD_LETTERED})
RETRYABLE = frozenset({Status.FAILED, Status.DEAD_LETTERED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.RUNNING, Status.CANCELLED, Status.DEAD_LETTERED}),
    # running -> queued is a retry or a lease recovered by the reconciler
    Status.RUNNING: frozenset(
        {Status.QUEUED, Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DEAD_LETTERED}
    ),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset({Status.QUEUED}),
    Status.CANCELLED: frozenset(),
    Status.DEAD_LETTERED: frozenset({Status.QUEUED}),
}


class IllegalTransition(Exception):
    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"a {current} row cannot become {target}")
        self.current = current
        self.target = target


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def ensure_transition(current: Status, target: Status) -> None:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)


def sources_of(target: Status) -> frozenset[Status]:
    """The statuses a row may hold for an update to ``target`` to be legal (used in WHERE)."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)
