"""/api/v1/jobs: thin routes that parse, call the job service and shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response

from conveyor_api.deps import JobsReader, JobsWriter, ResourcesDep
from conveyor_api.errors import ErrorResponse
from conveyor_api.jobs.schemas import JobCreate, JobOut
from conveyor_core.jobs import repository, service
from conveyor_core.jobs.service import JobRequest

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "the key lacks the scope"},
    404: {"model": ErrorResponse, "description": "no such job for this tenant"},
}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


@router.post(
    "",
    status_code=201,
    response_model=JobOut,
    responses={
        200: {"model": JobOut, "description": "an earlier request with this Idempotency-Key"},
        409: {"model": ErrorResponse, "description": "Idempotency-Key reused with another body"},
        422: {"model": ErrorResponse, "description": "unknown kind or queue, or invalid params"},
        401: ERRORS[401],
        403: ERRORS[403],
    },
)
def create_job(
    body: JobCreate,
    principal: JobsWriter,
    res: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    request = JobRequest(
        kind=body.kind,
        params=body.params,
        queue=body.queue,
        priority=body.priority,
        idempotency_key=idempotency_key,
    )
    outcome = service.create_job(
        res.sessions, res.publisher, res.settings, principal.tenant_id, request
    )
    if not outcome.created:
        response.status_code = 200
    return JobOut.of(outcome.job)


@router.get("/{job_id}", response_model=JobOut, responses={**ERRORS})
def get_job(job_id: uuid.UUID, principal: JobsReader, res: ResourcesDep) -> JobOut:
    with res.sessions() as session:
        job = repository.get_job(session, principal.tenant_id, job_id)
    if job is None:
        raise HTTPException(404, f"job {job_id} not found")
    return JobOut.of(job)
