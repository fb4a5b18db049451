"""/api/v1/jobs: thin routes that parse, call the job services and shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from conveyor_api.artifacts.schemas import ArtifactOut
from conveyor_api.deps import JobsReader, JobsWriter, ResourcesDep, SessionDep
from conveyor_api.errors import ErrorResponse
from conveyor_api.jobs.lookup import job_or_404
from conveyor_api.jobs.schemas import (
    CeleryStatus,
    JobBatchCreate,
    JobCreate,
    JobDetail,
    JobItemList,
    JobItemOut,
    JobList,
    JobOut,
    Requeued,
)
from conveyor_api.resources import ApiResources
from conveyor_core.artifacts.service import job_artifacts
from conveyor_core.broker.publishing import Delivery
from conveyor_core.jobs import events, lifecycle, service
from conveyor_core.jobs.celery_view import celery_status
from conveyor_core.jobs.repository import reads
from conveyor_core.jobs.repository.reads import JobFilter
from conveyor_core.jobs.service import JobRequest, publish_committed
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job

router = APIRouter(prefix="/api/v1", tags=["jobs"])

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "the key lacks the scope"},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"model": ErrorResponse, "description": "no such job for this tenant"},
    422: {"model": ErrorResponse, "description": "invalid input"},
}
# every body is refused over CONVEYOR_MAX_REQUEST_BYTES (conveyor_api.limits)
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "request body too large"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "the job's state does not allow it"},
}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Limit = Annotated[int, Query(ge=1, le=500)]
IdPrefix = Annotated[
    str | None,
    Query(pattern=r"^(?:[0-9a-fA-F]-?){1,32}$", description="Jobs whose id starts with this."),
]
DEFAULT_STUCK_SECONDS = 300


def _request(body: JobCreate, idempotency_key: str | None = None) -> JobRequest:
    return JobRequest(
        kind=body.kind,
        params=body.params,
        queue=body.queue,
        priority=body.priority,
        idempotency_key=idempotency_key,
    )


@router.post(
    "/jobs",
    status_code=201,
    response_model=JobOut,
    responses={
        **AUTH_ERRORS,
        422: ERRORS[422],
        200: {"model": JobOut, "description": "an earlier request with this Idempotency-Key"},
        409: {"model": ErrorResponse, "description": "Idempotency-Key reused with another body"},
        **TOO_LARGE,
    },
)
def create_job(
    body: JobCreate,
    principal: JobsWriter,
    res: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    outcome = service.create_job(
        res.sessions,
        res.publisher,
        res.settings,
        principal.tenant_id,
        _request(body, idempotency_key),
    )
    if not outcome.created:
        response.status_code = 200
    return JobOut.of(outcome.job)


@router.post(
    "/jobs:batch",
    status_code=201,
    response_model=JobList,
    responses={**AUTH_ERRORS, 422: ERRORS[422], **TOO_LARGE},
)
def create_jobs(body: JobBatchCreate, principal: JobsWriter, res: ResourcesDep) -> JobList:
    """Create up to 10,000 jobs at once: all are valid and created, or none is."""
    jobs = service.create_jobs(
        res.sessions,
        res.publisher,
        res.settings,
        principal.tenant_id,
        [_request(job) for job in body.jobs],
    )
    return JobList(items=[JobOut.of(job) for job in jobs], next_cursor=None)


@router.get("/jobs", response_model=JobList, responses={**AUTH_ERRORS, 422: ERRORS[422]})
def list_jobs(
    principal: JobsReader,
    session: SessionDep,
    status: Status | None = None,
    kind: str | None = None,
    queue: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    id_prefix: IdPrefix = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> JobList:
    where = JobFilter(
        status=status,
        kind=kind,
        queue=queue,
        created_after=created_after,
        created_before=created_before,
        id_prefix=id_prefix,
    )
    jobs, next_cursor = reads.list_jobs(session, principal.tenant_id, where, limit, cursor)
    return JobList(items=[JobOut.of(job) for job in jobs], next_cursor=next_cursor)


@router.get("/jobs/{job_id}", response_model=JobDetail, responses=ERRORS)
def get_job(job_id: uuid.UUID, principal: JobsReader, session: SessionDep) -> JobDetail:
    job = JobOut.of(job_or_404(session, principal.tenant_id, job_id))
    artifacts = job_artifacts(session, principal.tenant_id, job_id)
    return JobDetail(**job.model_dump(), artifacts=[ArtifactOut.of(a) for a in artifacts])


@router.get("/jobs/{job_id}/items", response_model=JobItemList, responses=ERRORS)
def list_items(
    job_id: uuid.UUID,
    principal: JobsReader,
    session: SessionDep,
    status: Status | None = None,
    limit: Limit = 100,
    cursor: str | None = None,
) -> JobItemList:
    job_or_404(session, principal.tenant_id, job_id)
    items, next_cursor = reads.list_items(session, job_id, status, limit, cursor)
    return JobItemList(items=[JobItemOut.of(i) for i in items], next_cursor=next_cursor)


@router.get("/jobs/{job_id}/celery-status", response_model=CeleryStatus, responses=ERRORS)
def get_celery_status(
    job_id: uuid.UUID, principal: JobsReader, session: SessionDep
) -> CeleryStatus:
    job = job_or_404(session, principal.tenant_id, job_id)
    return CeleryStatus.model_validate(celery_status(session, job))


def _announce_and_publish(res: ApiResources, job: Job, deliveries: list[Delivery]) -> None:
    events.announce(res.redis, job)
    if deliveries:
        publish_committed(res.sessions, res.publisher, deliveries)


@router.post("/jobs/{job_id}/refresh-progress", response_model=JobOut, responses=ERRORS)
def refresh_progress(
    job_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep, session: SessionDep
) -> JobOut:
    """Recompute the progress counters from the items (repairs drift)."""
    with session.begin():
        job = lifecycle.refresh_progress(session, principal.tenant_id, job_id)
    events.announce(res.redis, job)
    return JobOut.of(job)


@router.post("/jobs/{job_id}/retry", response_model=Requeued, responses={**ERRORS, **CONFLICT})
def retry_job(
    job_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep, session: SessionDep
) -> Requeued:
    """Requeue the failed and dead-lettered items only, or the job itself when it has none."""
    with session.begin():
        deliveries = lifecycle.retry(session, principal.tenant_id, job_id)
    job = job_or_404(session, principal.tenant_id, job_id)
    _announce_and_publish(res, job, deliveries)
    return Requeued(job=JobOut.of(job), requeued=len(deliveries))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, responses={**ERRORS, **CONFLICT})
def cancel_job(
    job_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep, session: SessionDep
) -> JobOut:
    """Queued work never starts; running tasks are revoked (killed on the tools queue).
    Cancelling a cancelled job is a no-op."""
    with session.begin():
        cancelled = lifecycle.cancel(session, principal.tenant_id, job_id)
    if cancelled.revoke:
        res.celery.control.revoke(cancelled.revoke, terminate=cancelled.terminate)
    events.announce(res.redis, cancelled.job)
    return JobOut.of(cancelled.job)


@router.post("/jobs/{job_id}/reset-stuck", response_model=Requeued, responses=ERRORS)
def reset_stuck(
    job_id: uuid.UUID,
    principal: JobsWriter,
    res: ResourcesDep,
    session: SessionDep,
    older_than: Annotated[
        int, Query(ge=0, le=7 * 24 * 3600, description="Seconds since the last heartbeat.")
    ] = DEFAULT_STUCK_SECONDS,
) -> Requeued:
    """Running items whose heartbeat is older than ``older_than`` seconds go back to queued."""
    with session.begin():
        deliveries = lifecycle.reset_stuck(
            session, principal.tenant_id, job_id, timedelta(seconds=older_than)
        )
    job = job_or_404(session, principal.tenant_id, job_id)
    _announce_and_publish(res, job, deliveries)
    return Requeued(job=JobOut.of(job), requeued=len(deliveries))


@router.delete("/jobs/{job_id}", status_code=204, responses={**ERRORS, **CONFLICT})
def delete_job(job_id: uuid.UUID, principal: JobsWriter, session: SessionDep) -> Response:
    """Delete a finished job and its items."""
    with session.begin():
        lifecycle.delete_job(session, principal.tenant_id, job_id)
    return Response(status_code=204)
