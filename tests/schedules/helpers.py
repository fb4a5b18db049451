"""Shared by the schedule tests: the endpoint and a body to start from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.models import Job, Schedule

SCHEDULES = "/api/v1/schedules"


def body(**overrides: Any) -> dict[str, Any]:
    """A valid schedule: diag.echo every hour, unless told otherwise."""
    return {
        "name": "hourly-echo",
        "kind": "diag.echo",
        "params": {"message": "tick"},
        "interval_seconds": 3600,
        **overrides,
    }


def count(sessions: sessionmaker[Session], model: type[Job] | type[Schedule]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def jobs_of(sessions: sessionmaker[Session], schedule_id: str) -> list[Job]:
    with sessions() as session:
        query = (
            select(Job)
            .where(Job.idempotency_key.like(f"schedule:{schedule_id}:%"))
            .order_by(Job.idempotency_key)
        )
        return list(session.scalars(query))
