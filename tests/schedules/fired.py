"""The jobs a schedule has fired, found by their idempotency keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.models import Job


def jobs_of(sessions: sessionmaker[Session], schedule_id: str) -> list[Job]:
    with sessions() as session:
        query = (
            select(Job)
            .where(Job.idempotency_key.like(f"schedule:{schedule_id}:%"))
            .order_by(Job.idempotency_key)
        )
        return list(session.scalars(query))
