"""/api/v1/keys (admin scope): create, list and revoke API keys of any tenant."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Response

from conveyor_api.deps import Admin, SessionsDep
from conveyor_api.jobs.routes import AUTH_ERRORS, ERRORS, TOO_LARGE
from conveyor_api.keys.schemas import KeyCreate, KeyCreated, KeyList, KeyOut
from conveyor_core.auth import management
from conveyor_core.auth import service as auth
from conveyor_core.db.engine import transaction

router = APIRouter(prefix="/api/v1", tags=["keys"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {**ERRORS[404], "description": "no key has this id"}
}


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyCreated,
    responses={**AUTH_ERRORS, 422: ERRORS[422], **TOO_LARGE},
)
def create_key(body: KeyCreate, _: Admin, sessions: SessionsDep, response: Response) -> KeyCreated:
    """Create a key; the answer is the only place its secret ever appears."""
    with transaction(sessions) as session:
        row, secret = auth.create_key(session, body.tenant, body.scopes, name=body.name)
        created = KeyCreated(**KeyOut.of(row, body.tenant).model_dump(), key=secret)
    response.headers["Cache-Control"] = "no-store"
    return created


@router.get("/keys", response_model=KeyList, responses={**AUTH_ERRORS, 422: ERRORS[422]})
def list_keys(_: Admin, sessions: SessionsDep, tenant: str | None = None) -> KeyList:
    """Every key (or one tenant's), oldest first: prefixes and metadata, never the keys."""
    with sessions() as session:
        rows = management.list_keys(session, tenant)
        return KeyList(items=[KeyOut.of(key, name) for key, name in rows])


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    responses={**AUTH_ERRORS, 422: ERRORS[422], **NOT_FOUND},
)
def revoke_key(key_id: uuid.UUID, _: Admin, sessions: SessionsDep) -> KeyOut:
    """Revoke a key: requests with it answer 401 from then on. Revoking twice is a no-op."""
    with transaction(sessions) as session:
        found = management.revoke(session, key_id)
        if found is None:
            raise HTTPException(404, f"key {key_id} not found")
        return KeyOut.of(*found)
