"""The worker's ``TaskContext`` (see ``conveyor.context``): one execution of a task, or of one
item of a fan-out, as the task sees it.

Cheap to make: the tenant is read only when the task first asks for it (or for artifacts or
datasets, which are the tenant's), so an item that needs neither costs no query.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from functools import cached_property

from structlog.stdlib import BoundLogger

from conveyor_core.jobs import events, runs
from conveyor_worker.resources import Resources
from conveyor_worker.runtime.artifacts import TaskArtifacts
from conveyor_worker.runtime.datasets import TaskDatasets
from conveyor_worker.runtime.progress import ProgressReporter


class WorkerContext:
    def __init__(
        self,
        res: Resources,
        job_id: uuid.UUID,
        item_id: uuid.UUID | None,
        attempt: int,
        task_id: str,
        log: BoundLogger,
    ) -> None:
        self._res, self._task_id = res, task_id
        self._job_id, self._item_id, self._attempt = job_id, item_id, attempt
        self._log = log
        # set when the row is no longer ours (cancelled, or its lease was taken over)
        self.lost = threading.Event()
        # the lease keeper's "renew now", set by heartbeat()
        self.beat: Callable[[], None] = lambda: None
        self._progress = ProgressReporter(self._write_progress)

    @property
    def job_id(self) -> uuid.UUID:
        return self._job_id

    @property
    def item_id(self) -> uuid.UUID | None:
        return self._item_id

    @property
    def attempt(self) -> int:
        return self._attempt

    @property
    def tenant(self) -> str:
        return self._tenant[1]

    @property
    def log(self) -> BoundLogger:
        return self._log

    @property
    def idempotency_key(self) -> str:
        # the row's own ids: the same on every attempt, different for every job and item
        row = f"{self._job_id}" if self._item_id is None else f"{self._job_id}/{self._item_id}"
        return f"conveyor:{row}"

    @cached_property
    def artifacts(self) -> TaskArtifacts:
        return TaskArtifacts(self._res.sessions, self._res.artifacts, self._tenant_id, self._job_id)

    @cached_property
    def datasets(self) -> TaskDatasets:
        return TaskDatasets(self._res.sessions, self._tenant_id)

    def should_stop(self) -> bool:
        return self.lost.is_set()

    def progress(self, done: int, total: int, message: str | None = None) -> None:
        if self._item_id is not None:
            # a fan-out's progress is its ended items; an item's own report is only logged
            self._log.debug("item progress", done=done, total=total, message=message)
            return
        self._progress.report(done, total, message)

    def heartbeat(self) -> None:
        self.beat()

    def flush_progress(self) -> None:
        """Write the report still waiting for its turn (the lease keeper's beat, the end)."""
        self._progress.flush()

    @cached_property
    def _tenant(self) -> tuple[uuid.UUID, str]:
        with self._res.sessions() as session:
            return runs.tenant_of(session, self._job_id)

    def _tenant_id(self) -> uuid.UUID:
        return self._tenant[0]

    def _write_progress(self, percent: float, message: str | None) -> None:
        try:
            with self._res.statements.connect() as connection:
                job = runs.report_progress(
                    connection, self._job_id, self._task_id, percent, message
                )
        except Exception as error:  # progress is best effort: the task goes on
            self._log.warning("progress not recorded", error=repr(error))
            return
        if job is not None:
            events.announce(self._res.redis, job)
