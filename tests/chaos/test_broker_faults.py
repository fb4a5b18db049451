"""Scenarios 7, 9, 10, 13, 14: Redis flushed, restarted, down, cutting clients, or fed a trap."""

from __future__ import annotations

import base64
import json
import os
import pickle
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import backing
from conveyor_core.auth.keys import Scope
from conveyor_core.settings import Settings
from conveyor_worker.observability import probes
from tests.chaos.api import Api
from tests.chaos.faults import restart_redis, running_job, start_redis, stop_redis
from tests.chaos.ledger import verify
from tests.factories import make_auth
from tests.paths import QUEUES
from tests.processes import Running
from tests.waiting import job_reaches, job_row, until

RESUME_WITHIN_SECONDS = 30.0


def test_flushall_then_a_redis_restart_without_data_loses_no_accepted_job(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
    backing_services: backing.BackingServices,
) -> None:
    start_worker(concurrency=2)
    for _ in range(5):
        api.submit_batch("diag.effect", {}, 100)
    redis_client.flushall()
    time.sleep(2)  # some work runs, some messages are gone
    restart_redis(backing_services, redis_client)
    verify("7 flushall + shutdown nosave (500 jobs)", sessions, api.accepted.expected, 300)


def test_redis_down_during_post_gives_503_or_later_delivery_never_an_orphan(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    backing_services: backing.BackingServices,
) -> None:
    worker = start_worker(concurrency=2)
    stop_redis(backing_services)
    try:
        during = [api.submit("diag.effect", {}) for _ in range(5)]
    finally:
        start_redis(backing_services)
    assert any(during), "the api keeps accepting into PostgreSQL while the broker is away"
    # recovered by itself: the next job's message goes out with its POST again
    after = api.submit("diag.effect", {})
    assert after is not None
    assert job_row(sessions, after).published_at is not None or (
        job_row(sessions, after).status != "queued"
    )
    try:
        verify("9 redis down during POST", sessions, api.accepted.expected)
    except AssertionError as failure:  # say what the worker was doing: it is the suspect
        state = "running" if worker.process.poll() is None else "exited"
        raise AssertionError(f"{failure}\nworker {state}:\n{worker.output()[-6000:]}") from failure
    assert worker.process.poll() is None, "the worker reconnected instead of exiting"


def test_client_kill_of_every_redis_connection_resumes_consumption_within_30s(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
    tmp_path: Path,
    settings: Settings,
) -> None:
    probe_dir = tmp_path / "probes"
    probe_dir.mkdir()
    start_worker(concurrency=1, extra_env={"CONVEYOR_PROBE_DIR": str(probe_dir)})
    mid_task = api.submit("diag.effect", {"seconds": 4})
    assert mid_task is not None
    running_job(sessions, mid_task)
    redis_client.client_kill_filter(_type="normal", skipme=True)
    killed_at = time.monotonic()
    after = api.submit("diag.effect", {})
    assert after is not None
    job_reaches(sessions, after, "succeeded", timeout=RESUME_WITHIN_SECONDS + 30)
    verify("10 client kill mid-task", sessions, api.accepted.expected)
    resumed = time.monotonic() - killed_at
    assert resumed < RESUME_WITHIN_SECONDS + 30
    live = settings.model_copy(update={"probe_dir": str(probe_dir)})
    assert probes.check("live", live)
    assert probes.check("ready", live)


def test_queue_depth_counts_the_backlog_of_a_busy_single_worker(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    start_worker(concurrency=1)
    jobs = [api.submit("diag.effect", {"seconds": 2}) for _ in range(20)]
    running_job(sessions, str(jobs[0]))
    admin = make_auth(sessions, scopes=[Scope.ADMIN])
    depth = httpx.get(f"{api.url}{QUEUES}", headers=admin).json()
    default = next(q for q in depth["items"] if q["queue"] == "default")
    assert default["waiting"] + default["in_flight"] >= 20
    assert default["waiting"] >= 19
    start_worker(concurrency=4, name="drain")
    verify("13 depth with one busy worker", sessions, api.accepted.expected)


class _Trap:
    """Unpickling this would create a directory: the proof that pickle was trusted."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[[str], None], tuple[str]]:
        return os.mkdir, (str(self.marker),)


def _pickle_message(marker: Path, job_id: str) -> str:
    body = pickle.dumps(((), {"job_id": job_id, "item_id": None}, _Trap(marker)))
    return json.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "binary",
            "content-type": "application/x-python-serialize",
            "headers": {"lang": "py", "task": "diag.effect", "id": str(uuid.uuid4())},
            "properties": {
                "delivery_tag": str(uuid.uuid4()),
                "body_encoding": "base64",
                "delivery_info": {"exchange": "default", "routing_key": "default"},
                "priority": 0,
            },
        }
    )


@pytest.mark.chaos_fast
def test_a_pickle_message_pushed_into_a_queue_is_refused_and_runs_nothing(
    api: Api,
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    worker = start_worker(concurrency=1)
    marker = tmp_path / "unpickled"
    redis_client.lpush("default", _pickle_message(marker, str(uuid.uuid4())))
    until(lambda: "untrusted content" in worker.output(), 30, "the refusal in the worker log")
    api.submit("diag.effect", {})  # the worker goes on with honest work
    verify("14 pickle message refused", sessions, api.accepted.expected)
    assert not marker.exists()
    assert redis_client.llen("default") == 0
