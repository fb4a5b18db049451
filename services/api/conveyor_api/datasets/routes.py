"""/api/v1/datasets: thin routes over the dataset service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from conveyor_api.datasets.schemas import (
    DatasetList,
    DatasetOut,
    RecordList,
    RecordOut,
    RecordsUpsert,
    Upserted,
)
from conveyor_api.deps import JobsReader, JobsWriter, ResourcesDep
from conveyor_api.errors import ErrorResponse
from conveyor_core.datasets import service
from conveyor_core.db.engine import transaction

router = APIRouter(prefix="/api/v1", tags=["datasets"])

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "the key lacks the scope"},
    422: {"model": ErrorResponse, "description": "invalid input"},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"model": ErrorResponse, "description": "no such dataset for this tenant"},
}
Name = Annotated[str, Path(min_length=1, max_length=200)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Cursor = Annotated[str | None, Query(max_length=4096)]


@router.get("/datasets", response_model=DatasetList, responses=AUTH_ERRORS)
def list_datasets(
    principal: JobsReader, res: ResourcesDep, limit: Limit = 100, cursor: Cursor = None
) -> DatasetList:
    """The tenant's datasets by name."""
    with res.sessions() as session:
        page, next_cursor = service.list_datasets(session, principal.tenant_id, limit, cursor)
    return DatasetList(items=[DatasetOut.of(d) for d in page], next_cursor=next_cursor)


@router.get("/datasets/{name}", response_model=DatasetOut, responses=ERRORS)
def get_dataset(name: Name, principal: JobsReader, res: ResourcesDep) -> DatasetOut:
    with res.sessions() as session:
        return DatasetOut.of(service.get_dataset(session, principal.tenant_id, name))


@router.get("/datasets/{name}/records", response_model=RecordList, responses=ERRORS)
def list_records(
    name: Name, principal: JobsReader, res: ResourcesDep, limit: Limit = 100, cursor: Cursor = None
) -> RecordList:
    """The records in key order."""
    with res.sessions() as session:
        page, next_cursor = service.list_records(session, principal.tenant_id, name, limit, cursor)
    return RecordList(items=[RecordOut.of(r) for r in page], next_cursor=next_cursor)


@router.post(
    "/datasets/{name}/records",
    response_model=Upserted,
    responses={
        **AUTH_ERRORS,
        409: {"model": ErrorResponse, "description": "the dataset has another key"},
        413: {"model": ErrorResponse, "description": "request body too large"},
    },
)
def upsert_records(
    name: Name, body: RecordsUpsert, principal: JobsWriter, res: ResourcesDep
) -> Upserted:
    """Insert or replace records by key (the dataset is created on first write); records
    identical to the stored ones are left untouched."""
    with transaction(res.sessions) as session:
        done = service.upsert_records(session, principal.tenant_id, name, body.records, body.key)
    return Upserted(inserted=done.inserted, updated=done.updated, unchanged=done.unchanged)


@router.delete("/datasets/{name}", status_code=204, responses=ERRORS)
def delete_dataset(name: Name, principal: JobsWriter, res: ResourcesDep) -> Response:
    """The dataset and all its records."""
    with transaction(res.sessions) as session:
        service.delete_dataset(session, principal.tenant_id, name)
    return Response(status_code=204)
