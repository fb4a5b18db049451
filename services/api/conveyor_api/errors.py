"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from conveyor_core.jobs.kinds import UnknownKind
from conveyor_core.jobs.lifecycle import Conflict, JobNotFound
from conveyor_core.jobs.repository.reads import InvalidCursor
from conveyor_core.jobs.service import (
    IdempotencyConflict,
    InvalidBatch,
    InvalidParams,
    UnknownQueue,
)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


def _field_errors(errors: Any, prefix: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in errors
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "validation_error", "the request is invalid", _field_errors(exc.errors())
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        return error_response(
            exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(UnknownKind)
    async def unknown_kind(_: Request, exc: UnknownKind) -> JSONResponse:
        return error_response(
            422,
            "unknown_kind",
            str(exc),
            [{"loc": ["body", "kind"], "msg": str(exc), "type": "unknown_kind"}],
        )

    @app.exception_handler(UnknownQueue)
    async def unknown_queue(_: Request, exc: UnknownQueue) -> JSONResponse:
        return error_response(
            422,
            "unknown_queue",
            str(exc),
            [{"loc": ["body", "queue"], "msg": str(exc), "type": "unknown_queue"}],
        )

    @app.exception_handler(InvalidParams)
    async def invalid_params(_: Request, exc: InvalidParams) -> JSONResponse:
        return error_response(
            422, "invalid_params", str(exc), _field_errors(exc.errors, ("body", "params"))
        )

    @app.exception_handler(InvalidBatch)
    async def invalid_batch(_: Request, exc: InvalidBatch) -> JSONResponse:
        return error_response(422, "invalid_batch", str(exc), exc.errors)

    @app.exception_handler(InvalidCursor)
    async def invalid_cursor(_: Request, exc: InvalidCursor) -> JSONResponse:
        return error_response(
            422,
            "invalid_cursor",
            str(exc),
            [{"loc": ["query", "cursor"], "msg": str(exc), "type": "invalid_cursor"}],
        )

    @app.exception_handler(DataError)
    async def invalid_value(_: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refused a value the request carried (a NUL character in a string, a
        # number out of range): the client's input, said without the statement or its values
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
        return error_response(422, "invalid_value", f"a value cannot be stored: {reason}")

    @app.exception_handler(JobNotFound)
    async def job_not_found(_: Request, exc: JobNotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(Conflict)
    async def conflict(_: Request, exc: Conflict) -> JSONResponse:
        return error_response(409, "conflict", str(exc))

    @app.exception_handler(IdempotencyConflict)
    async def idempotency_conflict(_: Request, exc: IdempotencyConflict) -> JSONResponse:
        return error_response(409, "idempotency_conflict", str(exc))


def document(app: FastAPI) -> None:
    """Make the OpenAPI description say what the handlers above really send: every 422 (and
    every other error) has the one error shape, not FastAPI's default validation body."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            reference = {"$ref": "#/components/schemas/ErrorResponse"}
            for operation in (op for path in schema["paths"].values() for op in path.values()):
                if "requestBody" in operation:
                    operation["responses"].setdefault(
                        "400", {"description": "the body could not be parsed"}
                    )
                for status, response in operation.get("responses", {}).items():
                    if status.startswith(("4", "5")):
                        response["content"] = {"application/json": {"schema": reference}}
            schema["components"]["schemas"].pop("HTTPValidationError", None)
            schema["components"]["schemas"].pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
