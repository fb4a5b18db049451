"""Scenario 12: two beat processes; every tick of a schedule creates its job once."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_core.db.engine import transaction
from conveyor_core.models import Job, Schedule
from tests import processes
from tests.chaos.ledger import verify
from tests.factories import make_schedule, make_tenant
from tests.processes import Running
from tests.waiting import until

RUN_SECONDS = 120.0
INTERVAL_SECONDS = 2


def _leading(beat: Running) -> bool:
    return bool(beat.events(processes.LEADERSHIP, leading=True))


@pytest.mark.timeout(RUN_SECONDS + 300)
def test_two_beats_create_each_ticks_job_once(
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
    process_env: dict[str, str],
    logs_dir: Path,
) -> None:
    start_worker(concurrency=2)
    tenant_id = make_tenant(sessions, name="ticks")
    make_schedule(sessions, tenant_id=tenant_id, interval_seconds=INTERVAL_SECONDS)
    beats = [processes.start(f"beat-{n}", commands.beat(), process_env, logs_dir) for n in (0, 1)]
    try:
        started = time.monotonic()
        until(lambda: any(_leading(b) for b in beats), 60, "a leader")
        time.sleep(RUN_SECONDS / 2)
        leader = next(b for b in beats if _leading(b))
        leader.stop(signal.SIGKILL)  # the follower takes over when the lock expires
        beats.append(processes.start("beat-2", commands.beat(), process_env, logs_dir))
        time.sleep(max(0.0, RUN_SECONDS - (time.monotonic() - started)))
    finally:
        for beat in beats:
            beat.stop(signal.SIGKILL)
    with transaction(sessions) as session:
        session.execute(update(Schedule).values(enabled=False))
    with sessions() as session:
        jobs = session.scalars(select(Job).order_by(Job.idempotency_key)).all()
    keys = [job.idempotency_key for job in jobs]
    assert len(keys) == len(set(keys)), "a tick created two jobs"
    ticks = sorted(_tick_of(str(key)) for key in keys)
    gaps = {b - a for a, b in itertools.pairwise(ticks)}
    assert gaps == {timedelta(seconds=INTERVAL_SECONDS)}, "no tick skipped across the takeover"
    assert len(ticks) >= RUN_SECONDS / INTERVAL_SECONDS * 0.8
    beats_alive = processes.start("beat-check", commands.beat(), process_env, logs_dir)
    try:
        verify("12 two beats, leader killed", sessions, {str(j.id): "succeeded" for j in jobs})
    finally:
        beats_alive.stop(signal.SIGKILL)


def _tick_of(key: str) -> datetime:
    return datetime.fromisoformat(key.split(":", 2)[2])
