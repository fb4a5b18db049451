"""One run of a task message: what the runtime's steps share, and the outcome they report."""

from __future__ import annotations

from dataclasses import dataclass, replace

from structlog.stdlib import BoundLogger

from conveyor_core.jobs.runs import Target
from conveyor_worker.observability.outcomes import Outcome, task_outcome
from conveyor_worker.resources import Resources
from conveyor_worker.runtime.context import WorkerContext


@dataclass(frozen=True, slots=True)
class TaskRun:
    res: Resources
    kind: str  # the kind's name
    target: Target
    task_id: str
    # the queue the message really came from: a job may override its kind's queue
    queue: str
    log: BoundLogger

    def attempt(self, number: int) -> TaskRun:
        """The run once its claim said which attempt it is."""
        return replace(self, log=self.log.bind(attempt=number))

    def context(self, attempt: int) -> WorkerContext:
        """What the task receives for this execution."""
        target = self.target
        return WorkerContext(
            self.res, target.job_id, target.item_id, attempt, self.task_id, self.log
        )

    def report(
        self, outcome: Outcome, runtime: float | None = None, exception: str | None = None
    ) -> None:
        task_outcome.send(
            sender=self.kind,
            kind=self.kind,
            queue=str(self.queue),
            outcome=outcome,
            runtime_seconds=runtime,
            exception=exception,
            job_id=str(self.target.job_id),
            item_id=str(self.target.item_id) if self.target.item_id else None,
        )
