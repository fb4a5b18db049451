"""The artifact API's response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from conveyor_core.artifacts.models import Artifact


class ArtifactOut(BaseModel):
    id: uuid.UUID
    name: str
    size: int
    sha256: str
    content_type: str
    created_at: datetime
    job_id: uuid.UUID | None
    expires_at: datetime | None

    @classmethod
    def of(cls, artifact: Artifact) -> ArtifactOut:
        return cls(
            id=artifact.id,
            name=artifact.name,
            size=artifact.size,
            sha256=artifact.sha256,
            content_type=artifact.content_type,
            created_at=artifact.created_at,
            job_id=artifact.job_id,
            expires_at=artifact.expires_at,
        )
