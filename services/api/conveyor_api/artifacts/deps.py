"""The artifact store the lifespan opened, as a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from conveyor_core.artifacts.backends import ArtifactStore


def get_store(request: Request) -> ArtifactStore:
    store: ArtifactStore = request.app.state.artifact_store
    return store


StoreDep = Annotated[ArtifactStore, Depends(get_store)]
