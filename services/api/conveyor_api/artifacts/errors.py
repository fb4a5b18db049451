"""How artifact failures answer, in the api's one error shape."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from conveyor_api.artifacts.upload import InvalidUpload, MissingFile, UploadTooLarge
from conveyor_api.errors import error_response
from conveyor_core.artifacts.service import ArtifactNotFound, InvalidArtifact
from conveyor_core.artifacts.storage import ArtifactTooLarge, StorageUnavailable
from conveyor_core.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    too_large = f"the upload exceeds CONVEYOR_MAX_UPLOAD_BYTES ({settings.max_upload_bytes} bytes)"

    @app.exception_handler(ArtifactNotFound)
    async def not_found(_: Request, exc: ArtifactNotFound) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(UploadTooLarge)
    async def body_too_large(_: Request, exc: UploadTooLarge) -> JSONResponse:
        return error_response(413, "payload_too_large", too_large)

    @app.exception_handler(ArtifactTooLarge)
    async def file_too_large(_: Request, exc: ArtifactTooLarge) -> JSONResponse:
        return error_response(413, "payload_too_large", too_large)

    @app.exception_handler(InvalidUpload)
    async def invalid_upload(_: Request, exc: InvalidUpload) -> JSONResponse:
        return error_response(400, "invalid_upload", str(exc))

    @app.exception_handler(MissingFile)
    async def missing_file(_: Request, exc: MissingFile) -> JSONResponse:
        detail = [{"loc": ["body", "file"], "msg": str(exc), "type": "missing"}]
        return error_response(422, "validation_error", str(exc), detail)

    @app.exception_handler(InvalidArtifact)
    async def invalid_artifact(_: Request, exc: InvalidArtifact) -> JSONResponse:
        detail = [{"loc": ["body", "file", exc.field], "msg": str(exc), "type": "invalid_artifact"}]
        return error_response(422, "invalid_artifact", str(exc), detail)

    @app.exception_handler(StorageUnavailable)
    async def unavailable(_: Request, exc: StorageUnavailable) -> JSONResponse:
        return error_response(503, "storage_unavailable", str(exc))
