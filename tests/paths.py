"""The api's paths, as the tests call them."""

from __future__ import annotations

API = "/api/v1"
JOBS = f"{API}/jobs"
JOBS_BATCH = f"{JOBS}:batch"
KEYS = f"{API}/keys"
SCHEDULES = f"{API}/schedules"
DATASETS = f"{API}/datasets"
ARTIFACTS = f"{API}/artifacts"
TASK_KINDS = f"{API}/task-kinds"
QUEUES = f"{API}/queues"
WORKERS = f"{API}/workers"
TASKS = f"{API}/tasks"
ACTIVE_TASKS = f"{TASKS}/active"


def job(job_id: object, action: str = "") -> str:
    """``/api/v1/jobs/ID`` or, with ``action`` (``"cancel"``, ``"items"``...), ``.../ID/action``."""
    return f"{JOBS}/{job_id}/{action}" if action else f"{JOBS}/{job_id}"
