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


# sent with: kind (str), queue (str), outcome (Outcome), runtime_seconds (float | None),
# exception (str | None: the exception type's name), job_id (str), item_id (str | None)
task_outcome = Signal(name="conveyor_task_outcome")
