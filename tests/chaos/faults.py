"""Ways to hurt processes and servers, and to see what they are doing."""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from pathlib import Path

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import backing
from conveyor_core.models import Job, JobItem
from tests.waiting import until


def pool_children(pid: int) -> list[int]:
    """The prefork pool processes of the worker whose main process is ``pid``."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def running_job(sessions: sessionmaker[Session], job_id: str, timeout: float = 60.0) -> Job:
    def probe() -> Job | None:
        with sessions() as session:
            job = session.get(Job, uuid.UUID(job_id))
            return job if job is not None and job.status == "running" else None

    return until(probe, timeout, f"job {job_id} running")


def running_items(sessions: sessionmaker[Session], job_id: str, at_least: int = 1) -> int:
    def probe() -> int:
        with sessions() as session:
            rows = session.scalars(
                select(JobItem.id).where(
                    JobItem.job_id == uuid.UUID(job_id), JobItem.status == "running"
                )
            ).all()
        return len(rows) if len(rows) >= at_least else 0

    return until(probe, 60.0, f"{at_least} running item(s) of {job_id}")


def restart_redis(services: backing.BackingServices, client: redis.Redis) -> None:
    """SHUTDOWN NOSAVE (everything in it is gone), then the same server again on its port."""
    assert services.redis is not None
    with contextlib.suppress(redis.ConnectionError):
        client.shutdown(nosave=True)
    services.redis.stop()
    services.redis.start()


def stop_redis(services: backing.BackingServices) -> None:
    assert services.redis is not None
    services.redis.stop()


def start_redis(services: backing.BackingServices) -> None:
    assert services.redis is not None
    services.redis.start()


def stop_postgres(services: backing.BackingServices) -> None:
    assert services.postgres is not None
    services.postgres.stop()


def start_postgres(services: backing.BackingServices) -> None:
    assert services.postgres is not None
    services.postgres.start()
