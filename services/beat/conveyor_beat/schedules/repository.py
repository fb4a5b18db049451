"""Every SQL statement about schedules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from conveyor_core.models import Schedule


def lock_due(session: Session, limit: int) -> list[Schedule]:
    """Enabled interval schedules whose tick is due, locked (SKIP LOCKED) until the caller
    commits: two beats never fire the same schedule at once."""
    return list(
        session.scalars(
            select(Schedule)
            .where(
                Schedule.enabled.is_(True),
                Schedule.interval_seconds.is_not(None),
                func.coalesce(Schedule.next_run_at, func.now()) <= func.now(),
            )
            .order_by(Schedule.next_run_at.nulls_first())
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def now(session: Session) -> datetime:
    return session.scalar(select(func.now()))  # type: ignore[return-value]


def advance(session: Session, schedule: Schedule, tick: datetime, next_run: datetime) -> None:
    session.execute(
        update(Schedule)
        .where(Schedule.id == schedule.id)
        .values(last_run_at=tick, next_run_at=next_run)
    )
