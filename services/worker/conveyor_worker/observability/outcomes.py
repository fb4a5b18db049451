"""The signal the task runtime sends after every execution, for metrics and tracing to hear.

Job failures are recorded in PostgreSQL and the Celery task itself returns normally, so Celery's
own ``task_failure`` never fires for them; this signal is the one place every outcome passes.
"""

from __future__ import annotations

from enum import StrEnum

from celery.utils.dispatch import Signal


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # terminally: no retries left, or NonRetryable
    RETRIED = "retried"  # failed, and a retry is scheduled
    IGNORED = "ignored"  # duplicate or late delivery: nothing ran
    DROPPED = "dropped"  # ran, but the row was no longer ours (cancelled or taken over)
    FANNED_OUT = "fanned_out"  # a fan-out job's orchestrator created its items; the job goes on


# sent with: kind (str), queue (str), outcome (Outcome), runtime_seconds (float | None),
# exception (str | None: the exception type's name), job_id (str), item_id (str | None)
task_outcome = Signal(name="conveyor_task_outcome")

# sent when a job reaches its final status in a worker (a plain job's outcome, or a fan-out job's
# finalization), with: kind (str), queue (str), status (str), job_id (str),
# duration_seconds (float: from creation to the end)
job_finished = Signal(name="conveyor_job_finished")
