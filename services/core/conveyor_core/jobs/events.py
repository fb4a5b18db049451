"""Job status/progress announcements over Redis pub/sub, for the SSE stream.

Best effort by design: the database is the record, and a listener that missed a message
re-reads the job. Each message is the job's ``{id, status, progress}``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis
import structlog

from conveyor_core.models import Job

log = structlog.get_logger(__name__)

CHANNEL_PREFIX = "conveyor:jobs:"


def channel(job_id: uuid.UUID | str) -> str:
    return f"{CHANNEL_PREFIX}{job_id}"


def snapshot(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "status": job.status,
        "progress": {
            "total": job.total_items,
            "queued": job.queued_items,
            "running": job.running_items,
            "succeeded": job.succeeded_items,
            "failed": job.failed_items,
            "percent": job.percent,
            "message": job.progress_message,
        },
    }


def announce(client: redis.Redis, job: Job) -> None:
    try:
        client.publish(channel(job.id), json.dumps(snapshot(job)))
    except redis.RedisError as error:
        log.warning("job event not announced", job_id=str(job.id), error=repr(error))
