"""How dataset failures answer, in the api's one error shape."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from conveyor_api.errors import error_response
from conveyor_core.datasets.service import (
    DatasetNotFound,
    InvalidCursor,
    InvalidDataset,
    InvalidRecord,
    KeyMismatch,
)


def install(app: FastAPI) -> None:
    @app.exception_handler(DatasetNotFound)
    async def not_found(_: Request, exc: DatasetNotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(InvalidDataset)
    async def invalid_dataset(_: Request, exc: InvalidDataset) -> JSONResponse:
        loc = ["path", "name"] if exc.field == "name" else ["body", exc.field]
        detail = [{"loc": loc, "msg": str(exc), "type": "invalid_dataset"}]
        return error_response(422, "invalid_dataset", str(exc), detail)

    @app.exception_handler(InvalidRecord)
    async def invalid_record(_: Request, exc: InvalidRecord) -> JSONResponse:
        detail = [
            {"loc": ["body", "records", exc.index], "msg": str(exc), "type": "invalid_record"}
        ]
        return error_response(422, "invalid_record", str(exc), detail)

    @app.exception_handler(KeyMismatch)
    async def key_mismatch(_: Request, exc: KeyMismatch) -> JSONResponse:
        detail = {"key": exc.existing, "given": exc.given}
        return error_response(409, "key_mismatch", str(exc), detail)

    @app.exception_handler(InvalidCursor)
    async def invalid_cursor(_: Request, exc: InvalidCursor) -> JSONResponse:
        detail = [{"loc": ["query", "cursor"], "msg": str(exc), "type": "invalid_cursor"}]
        return error_response(422, "invalid_cursor", str(exc), detail)
