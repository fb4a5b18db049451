"""Request dependencies, as Annotated aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from conveyor_api.resources import ApiResources
from conveyor_core.auth import service as auth
from conveyor_core.auth.keys import Scope
from conveyor_core.auth.service import Principal
from conveyor_core.db.engine import transaction
from conveyor_core.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cvk_...`")


def get_resources(request: Request) -> ApiResources:
    resources: ApiResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[ApiResources, Depends(get_resources)]


def get_settings(res: ResourcesDep) -> Settings:
    return res.settings


def get_sessions(res: ResourcesDep) -> sessionmaker[Session]:
    return res.sessions


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]


def get_session(sessions: SessionsDep) -> Iterator[Session]:
    """A session for the request: reads autobegin, writes go in ``with session.begin():``."""
    with sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    sessions: SessionsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(401, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    with transaction(sessions) as session:
        principal = auth.authenticate(session, credentials.credentials)
    if principal is None:
        raise HTTPException(
            401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def require(scope: Scope) -> Callable[..., Principal]:
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.has(scope):
            raise HTTPException(403, f"this API key lacks the {scope!r} scope")
        return principal

    return check


JobsReader = Annotated[Principal, Depends(require(Scope.JOBS_READ))]
JobsWriter = Annotated[Principal, Depends(require(Scope.JOBS_WRITE))]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]
