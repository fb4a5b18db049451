"""Finding a tenant's job for a request, or answering 404."""

from __future__ import annotations

import uuid

from fastapi import HTTPException
from sqlalchemy.orm import Session

from conveyor_core.jobs.repository import jobs
from conveyor_core.models import Job


def job_or_404(session: Session, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    job = jobs.get_job(session, tenant_id, job_id)
    if job is None:
        raise HTTPException(404, f"job {job_id} not found")
    return job
