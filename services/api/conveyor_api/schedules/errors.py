"""The schedule errors in the api's one error shape."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from conveyor_api.errors import error_response
from conveyor_core.schedules.firing import PreviousJobUnfinished
from conveyor_core.schedules.repository import DuplicateName
from conveyor_core.schedules.service import InvalidSchedule, ScheduleNotFound


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidSchedule)
    async def invalid_schedule(_: Request, exc: InvalidSchedule) -> JSONResponse:
        return error_response(422, "invalid_schedule", str(exc), exc.errors)

    @app.exception_handler(ScheduleNotFound)
    async def not_found(_: Request, exc: ScheduleNotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(DuplicateName)
    async def duplicate_name(_: Request, exc: DuplicateName) -> JSONResponse:
        details = [{"loc": ["body", "name"], "msg": str(exc), "type": "duplicate_name"}]
        return error_response(409, "duplicate_name", str(exc), details)

    @app.exception_handler(PreviousJobUnfinished)
    async def previous_unfinished(_: Request, exc: PreviousJobUnfinished) -> JSONResponse:
        return error_response(409, "previous_job_unfinished", str(exc))
