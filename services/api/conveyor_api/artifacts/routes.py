"""/api/v1/artifacts: thin routes over the artifact service."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from conveyor_api.artifacts.deps import StoreDep
from conveyor_api.artifacts.schemas import ArtifactOut
from conveyor_api.artifacts.upload import FILE_FIELD, MultipartFile
from conveyor_api.deps import JobsReader, JobsWriter, ResourcesDep
from conveyor_api.errors import ErrorResponse
from conveyor_api.resources import ApiResources
from conveyor_core.artifacts import service
from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.artifacts.models import Artifact
from conveyor_core.db.engine import transaction

router = APIRouter(prefix="/api/v1", tags=["artifacts"])
UPLOAD_PATH = "/api/v1/artifacts"

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "the key lacks the scope"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"model": ErrorResponse, "description": "no such artifact for this tenant"},
    422: {"model": ErrorResponse, "description": "invalid input"},
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
ExpiresAt = Annotated[
    datetime | None, Query(description="When the artifact is to be purged (ISO 8601).")
]
ArtifactName = Annotated[
    str | None,
    Query(min_length=1, max_length=255, description="Overrides the uploaded file's name."),
]


def _upload_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at.tzinfo is None:
        return expires_at.replace(tzinfo=UTC)  # a time without a zone is UTC
    return expires_at


def _store_upload(
    res: ApiResources,
    store: ArtifactStore,
    tenant_id: uuid.UUID,
    upload: MultipartFile,
    name: str | None,
    expires_at: datetime | None,
) -> Artifact:
    with transaction(res.sessions) as session:
        return service.write_artifact(
            session,
            store,
            tenant_id,
            name or upload.filename or FILE_FIELD,
            upload.chunks(),
            upload.content_type or service.DEFAULT_CONTENT_TYPE,
            expires_at=_upload_expiry(expires_at),
            max_bytes=res.settings.max_upload_bytes,
        )


@router.post(
    "/artifacts",
    status_code=201,
    response_model=ArtifactOut,
    openapi_extra=UPLOAD_BODY,
    responses={
        **AUTH_ERRORS,
        400: {"model": ErrorResponse, "description": "not a multipart/form-data body"},
        413: {"model": ErrorResponse, "description": "over CONVEYOR_MAX_UPLOAD_BYTES"},
        422: NOT_FOUND[422],
    },
)
async def upload_artifact(
    request: Request,
    principal: JobsWriter,
    res: ResourcesDep,
    store: StoreDep,
    name: ArtifactName = None,
    expires_at: ExpiresAt = None,
) -> ArtifactOut:
    """Upload the form's ``file`` part; it streams into storage as it arrives."""
    upload = await MultipartFile.open(request, res.settings.max_upload_bytes)
    artifact = await run_in_threadpool(
        _store_upload, res, store, principal.tenant_id, upload, name, expires_at
    )
    return ArtifactOut.of(artifact)


@router.get("/artifacts/{artifact_id}", response_model=ArtifactOut, responses=NOT_FOUND)
def get_artifact(artifact_id: uuid.UUID, principal: JobsReader, res: ResourcesDep) -> ArtifactOut:
    with res.sessions() as session:
        return ArtifactOut.of(service.get_artifact(session, principal.tenant_id, artifact_id))


def _disposition(name: str) -> str:
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _streamed(session: Session, content: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from content
    finally:
        session.close()


@router.get(
    "/artifacts/{artifact_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the file, with its content type",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **NOT_FOUND,
    },
)
def download_artifact(
    artifact_id: uuid.UUID, principal: JobsReader, res: ResourcesDep, store: StoreDep
) -> StreamingResponse:
    """The file's bytes, streamed from storage as they are read."""
    session = res.sessions()
    try:
        opened = service.open_artifact(session, store, principal.tenant_id, artifact_id)
    except BaseException:
        session.close()
        raise
    artifact = opened.artifact
    return StreamingResponse(
        _streamed(session, opened.content),
        media_type=artifact.content_type,
        headers={
            "Content-Length": str(artifact.size),
            "Content-Disposition": _disposition(artifact.name),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{artifact.sha256}"',
        },
    )


@router.delete("/artifacts/{artifact_id}", status_code=204, responses=NOT_FOUND)
def delete_artifact(
    artifact_id: uuid.UUID, principal: JobsWriter, res: ResourcesDep, store: StoreDep
) -> Response:
    with transaction(res.sessions) as session:
        service.delete_artifact(session, store, principal.tenant_id, artifact_id)
    return Response(status_code=204)
