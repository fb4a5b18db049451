"""The job and item state machine: which status may follow which.

Every statement that changes a status takes its ``WHERE status IN (...)`` from here
(``within``), so a transition the table below does not allow cannot be written.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DEAD_LETTERED = "dead_lettered"


FINISHED = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DEAD_LETTERED})
RETRYABLE = frozenset({Status.FAILED, Status.DEAD_LETTERED})  # by a manual retry
CLAIMABLE = frozenset({Status.QUEUED})  # by an execution

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.RUNNING, Status.CANCELLED, Status.DEAD_LETTERED}),
    # running -> queued is a retry or a lease recovered by the reconciler
    Status.RUNNING: frozenset(
        {Status.QUEUED, Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DEAD_LETTERED}
    ),
    Status.SUCCEEDED: frozenset(),
    # failed -> running: a finalized fan-out job reopened when its failed items are retried
    Status.FAILED: frozenset({Status.QUEUED, Status.RUNNING}),
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


def sources_of(*targets: Status) -> frozenset[Status]:
    """The statuses a row may hold for an update to each of ``targets`` to be legal."""
    return frozenset(s for s, allowed in TRANSITIONS.items() if allowed.issuperset(targets))


def within(sources: Iterable[Status], *targets: Status) -> list[Status]:
    """``sources`` for a statement's ``WHERE status IN (...)``, refused unless each of them may
    become each of ``targets`` (or keeps it); sorted, so the statement's text is stable."""
    chosen = frozenset(sources)
    for source in chosen:
        for target in targets:
            if source != target:
                ensure_transition(source, target)
    return sorted(chosen)


def sql_in(statuses: Iterable[Status]) -> str:
    """``= 'a'`` or ``IN ('a', 'b')``: the test of a statement written in SQL (``=`` for one,
    the form the partial indexes' predicates use)."""
    literals = [f"'{s.value}'" for s in statuses]
    return f"= {literals[0]}" if len(literals) == 1 else f"IN ({', '.join(literals)})"


def sql_is(status: Status) -> str:
    """``IS NOT DISTINCT FROM 'a'``: the same test for a non-null column, in a form no partial
    index's predicate is proven from, so a statement that finds its row by primary key keeps
    that plan even when lagging statistics make a status's partial index look empty."""
    return f"IS NOT DISTINCT FROM '{status.value}'"
