"""Job status/progress announcements over Redis pub/sub, for the SSE stream.

Best effort by design: the database is the record, and a listener that missed a message
re-reads the job. Each message is the job's ``{id, status, progress}``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

import redis
import structlog

log = structlog.get_logger(__name__)

CHANNEL_PREFIX = "conveyor:jobs:"


def channel(job_id: uuid.UUID | str) -> str:
    return f"{CHANNEL_PREFIX}{job_id}"


class Progressing(Protocol):
    """A job row, or a RETURNING row with the same columns."""

    id: uuid.UUID
    status: str
    total_items: int
    queued_items: int
    running_items: int
    succeeded_items: int
    failed_items: int


def snapshot(job: Progressing) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "status": job.status,
        "progress": {
            "total": job.total_items,
            "queued": job.queued_items,
            "running": job.running_items,
            "succeeded": job.succeeded_items,
            "failed": job.failed_items,
        },
    }


def announce(client: redis.Redis, job: Progressing) -> None:
    try:
        client.publish(channel(job.id), json.dumps(snapshot(job)))
    except redis.RedisError as error:
        log.warning("job event not announced", job_id=str(job.id), error=repr(error))
