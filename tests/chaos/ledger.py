"""The check every scenario ends with, over every job the api accepted:

- lost: an accepted job that has no row, or never reached the status it must end in;
- twice: a job (or item) whose side effect was recorded more than once;
- unexpected: a row nobody accepted (an orphan), an effect missing from a succeeded job, or an
  effect recorded for a job that must not have one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, JobItem
from conveyor_diag import ledger as effects

EFFECT_KINDS = {"diag.effect", "diag.effect_fanout"}
TERMINAL = {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.DEAD_LETTERED}
SETTLE_TIMEOUT_SECONDS = 180.0


@dataclass
class Figures:
    scenario: str
    accepted: int = 0
    effects: int = 0
    lost: int = 0
    twice: int = 0
    unexpected: int = 0
    problems: list[str] = field(default_factory=list)
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.scenario:<44} accepted={self.accepted:<5} effects={self.effects:<5} "
            f"lost={self.lost} twice={self.twice} unexpected={self.unexpected} {self.note}"
        ).rstrip()

    @staticmethod
    def total(all_figures: Iterable[Figures]) -> Figures:
        total = Figures("TOTAL")
        for f in all_figures:
            total.accepted += f.accepted
            total.effects += f.effects
            total.lost += f.lost
            total.twice += f.twice
            total.unexpected += f.unexpected
        return total

    def assert_clean(self) -> None:
        assert (self.lost, self.twice, self.unexpected) == (0, 0, 0), "\n".join(
            [self.line(), *self.problems[:20]]
        )


# every scenario's figures, for the session's summary (printed by the chaos conftest)
FIGURES: list[Figures] = []


def _statuses(session: Session) -> dict[str, str]:
    return {str(r.id): r.status for r in session.execute(select(Job.id, Job.status))}


def settle(
    sessions: sessionmaker[Session],
    expected: dict[str, str],
    timeout: float = SETTLE_TIMEOUT_SECONDS,
) -> None:
    """Wait until every accepted job reached a final status (or time is up: the check tells)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            statuses = _statuses(session)
        if all(statuses.get(job_id) in TERMINAL for job_id in expected):
            return
        time.sleep(0.5)


def check(scenario: str, sessions: sessionmaker[Session], expected: dict[str, str]) -> Figures:
    figures = Figures(scenario, accepted=len(expected))
    with sessions() as session:
        jobs = {str(j.id): j for j in session.scalars(select(Job))}
        items = session.execute(select(JobItem.id, JobItem.job_id, JobItem.status)).all()
        counts = effects.count_by_row(session)
    figures.effects = sum(counts.values())
    for job_id, status in expected.items():
        job = jobs.get(job_id)
        if job is None or job.status != status:
            figures.lost += 1
            figures.problems.append(f"lost {job_id}: {job and job.status} != {status}")
    for job_id in jobs.keys() - expected.keys():
        figures.unexpected += 1
        figures.problems.append(f"orphan row {job_id} ({jobs[job_id].status})")
    for key, count in counts.items():
        if count > 1:
            figures.twice += 1
            figures.problems.append(f"effect of {key} recorded {count} times")
    _check_effects_present(figures, jobs, items, counts)
    return figures


def _check_effects_present(
    figures: Figures,
    jobs: dict[str, Job],
    items: Sequence[Any],
    counts: dict[tuple[uuid.UUID, uuid.UUID | None], int],
) -> None:
    """A succeeded effect job has exactly its effects; nothing else has any."""
    must_have: set[tuple[uuid.UUID, uuid.UUID | None]] = set()
    for job in jobs.values():
        if job.kind == "diag.effect" and job.status == Status.SUCCEEDED:
            must_have.add((job.id, None))
    for item_id, job_id, status in items:
        if jobs[str(job_id)].kind == "diag.effect_fanout" and status == Status.SUCCEEDED:
            must_have.add((job_id, item_id))
    for key in must_have - counts.keys():
        figures.unexpected += 1
        figures.problems.append(f"succeeded without its effect: {key}")
    for key in counts.keys() - must_have:
        figures.unexpected += 1
        figures.problems.append(f"effect recorded for a row that did not succeed: {key}")


def verify(
    scenario: str,
    sessions: sessionmaker[Session],
    expected: dict[str, str],
    timeout: float = SETTLE_TIMEOUT_SECONDS,
    note: str = "",
) -> Figures:
    """Settle, count, remember the figures for the session summary, and insist they are clean."""
    settle(sessions, expected, timeout)
    figures = check(scenario, sessions, expected)
    figures.note = note
    FIGURES.append(figures)
    figures.assert_clean()
    return figures
