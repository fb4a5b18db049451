"""Rows and api requests the tests start from: keyword-only, with defaults that make a valid one.

Factories take the test's ``sessions`` (see ``tests/conftest.py``): under a rolled-back test
what they write vanishes with the test; under a ``commits`` test it is committed for the
processes the test starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope
from conveyor_core.auth.repository import ensure_tenant
from conveyor_core.auth.service import create_key
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import runs
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job, Schedule
from tests import paths

TENANT = "acme"
FANOUT_ITEMS = 3
ORCHESTRATOR_TASK = "orchestrator"


def make_tenant(sessions: sessionmaker[Session], *, name: str = TENANT) -> uuid.UUID:
    with transaction(sessions) as session:
        tenant_id: uuid.UUID = ensure_tenant(session, name).id
    return tenant_id


def make_key(
    sessions: sessionmaker[Session],
    *,
    tenant: str = TENANT,
    scopes: Sequence[Scope] = DEFAULT_SCOPES,
) -> str:
    """An API key for ``tenant`` (created if new), with the default scopes unless told."""
    with transaction(sessions) as session:
        _, key = create_key(session, tenant, scopes)
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_auth(
    sessions: sessionmaker[Session],
    *,
    tenant: str = TENANT,
    scopes: Sequence[Scope] = DEFAULT_SCOPES,
) -> dict[str, str]:
    """The headers of a request made with a new key (see :func:`make_key`)."""
    return bearer(make_key(sessions, tenant=tenant, scopes=scopes))


def make_job(
    sessions: sessionmaker[Session],
    *,
    tenant_id: uuid.UUID,
    kind: str = "diag.echo",
    params: dict[str, Any] | None = None,
    queue: str = "default",
    priority: int = 5,
    status: Status = Status.QUEUED,
) -> uuid.UUID:
    """A job row written straight to the database: nothing is published for it."""
    job_id = uuid.uuid4()
    with transaction(sessions) as session:
        session.add(
            Job(
                id=job_id,
                tenant_id=tenant_id,
                kind=kind,
                queue=queue,
                priority=priority,
                params={"message": "x"} if params is None else params,
                status=status,
            )
        )
    return job_id


def make_running_fanout(
    sessions: sessionmaker[Session], *, tenant_id: uuid.UUID, items: int = FANOUT_ITEMS
) -> uuid.UUID:
    """A claimed diag.fanout job with its items created, as the orchestrator leaves it."""
    job_id = make_job(sessions, tenant_id=tenant_id, kind="diag.fanout", params={"items": items})
    with transaction(sessions) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=Status.RUNNING, celery_task_id=ORCHESTRATOR_TASK)
        )
        runs.fan_out(session, job_id, ORCHESTRATOR_TASK, [{"index": i} for i in range(items)])
    return job_id


def set_status(sessions: sessionmaker[Session], job_id: uuid.UUID | str, status: Status) -> None:
    """Move a job's row to ``status`` directly, as if it had run there."""
    with transaction(sessions) as session:
        session.execute(update(Job).where(Job.id == uuid.UUID(str(job_id))).values(status=status))


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    """How many rows ``model``'s table holds."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def submit(
    client: httpx.Client, kind: str, *, auth: dict[str, str], **params: Any
) -> dict[str, Any]:
    """POST a job of ``kind`` with ``params``; returns the accepted job's body."""
    response = client.post(paths.JOBS, json={"kind": kind, "params": params}, headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_schedule(
    sessions: sessionmaker[Session],
    *,
    tenant_id: uuid.UUID,
    kind: str = "diag.effect",
    params: dict[str, Any] | None = None,
    **values: Any,
) -> Schedule:
    """A schedule row (a fresh name; ``values`` sets its timing, timezone, next run...)."""
    schedule = Schedule(
        tenant_id=tenant_id,
        name=uuid.uuid4().hex[:8],
        kind=kind,
        params=params or {},
        **values,
    )
    with transaction(sessions) as session:
        session.add(schedule)
    return schedule


def schedule_body(**overrides: Any) -> dict[str, Any]:
    """A valid schedule to POST: diag.echo every hour, unless told otherwise."""
    return {
        "name": "hourly-echo",
        "kind": "diag.echo",
        "params": {"message": "tick"},
        "interval_seconds": 3600,
        **overrides,
    }
