"""GET /api/v1/jobs/{id}/events: Server-Sent Events of a job's status and progress.

The client first gets the job as it stands, then every change announced on Redis pub/sub, in
order; the stream ends when the job finishes. Announcements are best effort, so the stream also
re-reads the job when it has heard nothing for a while.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from conveyor_api.deps import JobsReader, ResourcesDep
from conveyor_api.jobs.lookup import job_or_404
from conveyor_api.jobs.routes import ERRORS
from conveyor_api.resources import ApiResources
from conveyor_core.jobs import events
from conveyor_core.jobs.states import FINISHED
from conveyor_core.models import Job

router = APIRouter(prefix="/api/v1", tags=["jobs"])

QUIET_RECHECK_SECONDS = 5.0
KEEPALIVE_SECONDS = 15


def _read(res: ApiResources, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    """The job as it stands; a session of its own, for the stream outlives its request's."""
    with res.sessions() as session:
        return job_or_404(session, tenant_id, job_id)


def _done(snapshot: dict[str, Any]) -> int:
    progress = snapshot["progress"]
    return int(progress["succeeded"]) + int(progress["failed"])


def _is_news(snapshot: dict[str, Any], last: dict[str, Any]) -> bool:
    """Announcements from several workers can cross; never step progress backwards."""
    if snapshot["status"] != last["status"]:
        return True
    return snapshot["progress"] != last["progress"] and _done(snapshot) >= _done(last)


async def _changes(
    res: ApiResources, tenant_id: uuid.UUID, job_id: uuid.UUID
) -> AsyncIterator[dict[str, str]]:
    client = aioredis.from_url(res.settings.redis_dsn)
    pubsub = client.pubsub()
    await pubsub.subscribe(events.channel(job_id))
    try:
        last = events.snapshot(await run_in_threadpool(_read, res, tenant_id, job_id))
        yield {"event": "job", "data": json.dumps(last)}
        while last["status"] not in FINISHED:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=QUIET_RECHECK_SECONDS
            )
            if message is None:
                job = await run_in_threadpool(_read, res, tenant_id, job_id)
                current = events.snapshot(job)
            else:
                current = json.loads(message["data"])
            if _is_news(current, last):
                last = current
                yield {"event": "job", "data": json.dumps(current)}
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


@router.get(
    "/jobs/{job_id}/events",
    responses={
        **ERRORS,
        200: {
            "content": {"text/event-stream": {}},
            "description": "`data:` lines carry the job's {id, status, progress}",
        },
    },
    response_class=EventSourceResponse,
)
async def job_events(
    job_id: uuid.UUID, principal: JobsReader, res: ResourcesDep
) -> EventSourceResponse:
    await run_in_threadpool(_read, res, principal.tenant_id, job_id)  # 404 before streaming
    return EventSourceResponse(_changes(res, principal.tenant_id, job_id), ping=KEEPALIVE_SECONDS)
