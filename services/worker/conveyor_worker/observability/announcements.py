"""What the runtime tells the rest of the world after an outcome: progress announcements for
the SSE stream (throttled per job for items) and the job_finished signal for metrics."""

from __future__ import annotations

import time
import uuid

from conveyor_core.models import Job
from conveyor_worker.observability.outcomes import job_finished


def send_job_finished(job: Job) -> None:
    assert job.finished_at is not None
    job_finished.send(
        sender=job.kind,
        kind=job.kind,
        queue=job.queue,
        status=job.status,
        job_id=str(job.id),
        duration_seconds=(job.finished_at - job.created_at).total_seconds(),
    )


# Item outcomes of one job are announced at most this often per process; job-level changes
# and the finalization always are. Listeners re-read the job when they hear nothing.
ANNOUNCE_INTERVAL_SECONDS = 0.1
ANNOUNCED_JOBS_KEPT = 1000
_announced: dict[uuid.UUID, float] = {}


def due_for_announcement(job_id: uuid.UUID) -> bool:
    now = time.monotonic()
    if now - _announced.get(job_id, 0.0) < ANNOUNCE_INTERVAL_SECONDS:
        return False
    if len(_announced) >= ANNOUNCED_JOBS_KEPT:
        _announced.clear()
    _announced[job_id] = now
    return True


def forget(job_id: uuid.UUID) -> None:
    _announced.pop(job_id, None)
