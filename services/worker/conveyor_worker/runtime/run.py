"""One run of a task message: what the runtime's steps share, and the outcome they report."""

from __future__ import annotations

from dataclasses import dataclass, replace

from structlog.stdlib import BoundLogger

from conveyor_core.contracts import TaskContract
from conveyor_core.jobs.runs import Target
from conveyor_worker.observability.outcomes import Outcome, task_outcome
from conveyor_worker.resources import Resources


@dataclass(frozen=True, slots=True)
class TaskRun:
    res: Resources
    contract: TaskContract
    target: Target
    task_id: str
    # the queue the message really came from: a job may override its kind's queue
    queue: str
    log: BoundLogger

    def attempt(self, number: int) -> TaskRun:
        """The run once its claim said which attempt it is."""
        return replace(self, log=self.log.bind(attempt=number))

    def report(
        self, outcome: Outcome, runtime: float | None = None, exception: str | None = None
    ) -> None:
        task_outcome.send(
            sender=self.contract.name,
            kind=self.contract.name,
            queue=str(self.queue),
            outcome=outcome,
            runtime_seconds=runtime,
            exception=exception,
            job_id=str(self.target.job_id),
            item_id=str(self.target.item_id) if self.target.item_id else None,
        )
