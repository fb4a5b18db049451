"""/api/v1/schedules: thin routes that parse, call the schedule services and shape the answer."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from conveyor_api.deps import JobsReader, JobsWriter, ResourcesDep
from conveyor_api.errors import ErrorResponse
from conveyor_api.jobs.schemas import JobOut
from conveyor_api.schedules.schemas import ScheduleChange, ScheduleCreate, ScheduleList, ScheduleOut
from conveyor_core.schedules import firing, service
from conveyor_core.schedules.service import Overlap, ScheduleSpec

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


AUTH: dict[int | str, dict[str, Any]] = {
    401: _error("missing or invalid API key"),
    403: _error("the key lacks the scope"),
}
FOUND: dict[int | str, dict[str, Any]] = {**AUTH, 404: _error("no such schedule for this tenant")}
INVALID: dict[int | str, dict[str, Any]] = {
    422: _error("invalid input: a field, the timing, the kind or the params"),
    413: _error("request body too large"),
}
NAME_TAKEN: dict[int | str, dict[str, Any]] = {
    409: _error("the tenant has a schedule of that name")
}


def _spec(body: ScheduleCreate) -> ScheduleSpec:
    fields = body.model_dump()
    return ScheduleSpec(**{**fields, "overlap": Overlap(fields["overlap"])})


@router.post(
    "", status_code=201, response_model=ScheduleOut, responses={**AUTH, **INVALID, **NAME_TAKEN}
)
def create_schedule(body: ScheduleCreate, principal: JobsWriter, res: ResourcesDep) -> ScheduleOut:
    schedule = service.create_schedule(res.sessions, res.settings, principal.tenant_id, _spec(body))
    return ScheduleOut.of(schedule)


@router.get("", response_model=ScheduleList, responses=AUTH)
def list_schedules(principal: JobsReader, res: ResourcesDep) -> ScheduleList:
    """The tenant's schedules, by name."""
    schedules = service.list_schedules(res.sessions, principal.tenant_id)
    return ScheduleList(items=[ScheduleOut.of(s) for s in schedules])


@router.get("/{schedule_id}", response_model=ScheduleOut, responses=FOUND)
def get_schedule(schedule_id: uuid.UUID, principal: JobsReader, res: ResourcesDep) -> ScheduleOut:
    return ScheduleOut.of(service.get_schedule(res.sessions, principal.tenant_id, schedule_id))


@router.patch(
    "/{schedule_id}", response_model=ScheduleOut, responses={**FOUND, **INVALID, **NAME_TAKEN}
)
def change_schedule(
    schedule_id: uuid.UUID, body: ScheduleChange, principal: JobsWriter, res: ResourcesDep
) -> ScheduleOut:
    """Change some fields; `{"enabled": false}` pauses, `{"enabled": true}` resumes."""
    schedule = service.update_schedule(
        res.sessions, res.settings, principal.tenant_id, schedule_id, body.changes()
    )
    return ScheduleOut.of(schedule)


@router.delete("/{schedule_id}", status_code=204, responses=FOUND)
def delete_schedule(schedule_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep) -> Response:
    """Remove the schedule; the jobs it created stay."""
    service.delete_schedule(res.sessions, principal.tenant_id, schedule_id)
    return Response(status_code=204)


@router.post(
    "/{schedule_id}/run",
    status_code=201,
    response_model=JobOut,
    responses={
        **FOUND,
        409: _error("overlap is skip and the schedule's previous job is unfinished"),
        422: _error("the kind or params no longer match a contract"),
    },
)
def run_schedule(schedule_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep) -> JobOut:
    """Create one job of the schedule now (paused or not); its next run stays as it was."""
    job = firing.run_now(
        res.sessions, res.publisher, res.settings, principal.tenant_id, schedule_id
    )
    return JobOut.of(job)
