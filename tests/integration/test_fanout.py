"""Fan-out jobs run by real workers: items, progress, the finalizer, retry, cancel, reset."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.models import JobItem
from tests import processes
from tests.factories import submit
from tests.paths import job as job_path
from tests.processes import Running
from tests.waiting import job_reaches, job_row, until


def fanout(client: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    return submit(client, "diag.fanout", auth=auth, **params)


def items_by_status(sessions: sessionmaker[Session], job_id: str) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(JobItem.status, func.count())
            .where(JobItem.job_id == job_id)
            .group_by(JobItem.status)
        )
        return dict(rows.all())


def test_thousand_items_with_ten_failures_fail_then_retry_only_those_and_succeed(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    start_worker(concurrency=4)
    failing = list(range(0, 1000, 100))
    job = fanout(client, auth, items=1000, fail_items=failing)

    failed = job_reaches(sessions, job["id"], "failed", "succeeded", timeout=180)
    assert failed.status == "failed"
    assert (failed.total_items, failed.succeeded_items, failed.failed_items) == (1000, 990, 10)
    assert failed.result is not None
    assert failed.result["items"] == {"succeeded": 990, "failed": 10}
    assert [s["position"] for s in failed.result["failed_sample"]] == failing
    finalized_at = failed.finalized_at

    body = client.post(job_path(job["id"], "retry"), headers=auth).json()
    assert body["requeued"] == 10
    done = job_reaches(sessions, job["id"], "succeeded", "failed", timeout=120)
    assert done.status == "succeeded"
    assert (done.succeeded_items, done.failed_items) == (1000, 0)
    assert done.finalized_at != finalized_at
    with sessions() as session:
        rows = session.execute(
            select(JobItem.position, JobItem.attempts, JobItem.started_at).where(
                JobItem.job_id == job["id"]
            )
        ).all()
    attempts = {position: count for position, count, _ in rows}
    assert {p for p, a in attempts.items() if a == 2} == set(failing)
    assert all(a == 1 for p, a in attempts.items() if p not in failing)
    # a retried item's start (and so its duration in the summary) is its last execution's
    assert finalized_at is not None
    retried_starts = [started for p, _, started in rows if p in failing]
    assert all(started is not None and started > finalized_at for started in retried_starts)

    assert client.post(job_path(job["id"], "retry"), headers=auth).status_code == 409


def test_items_list_pages_through_every_item(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = fanout(client, auth, items=25)
    job_reaches(sessions, job["id"], "succeeded")
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = client.get(job_path(job["id"], "items"), params=params, headers=auth).json()
        seen += [i["position"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(25))
    failed = client.get(job_path(job["id"], "items"), params={"status": "failed"}, headers=auth)
    assert failed.json() == {"items": [], "next_cursor": None}


def test_an_item_logs_its_failure_and_the_job_its_whole_lifecycle(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = fanout(client, auth, items=5, fail_items=[3])
    job_reaches(sessions, job["id"], "failed")
    worker.wait_for_event(processes.JOB_FINALIZED)
    lines = worker.log_events()
    events = [(line["event"], bool(line.get("item_id"))) for line in lines]
    assert events.count(("task received", False)) == 1  # the job's own message
    assert events.count(("task started", False)) == 1
    assert events.count(("fanned out", False)) == 1
    assert [name for name, _ in events].count("job finalized") == 1  # by the last item
    failures = [line for line in lines if line["event"] == "task failed"]
    assert [line["level"] for line in failures] == ["error"]
    assert failures[0]["item_id"] is not None
    # an item's arrival, start and success are DEBUG: its row keeps them
    assert not {("task received", True), ("task started", True), ("task succeeded", True)} & set(
        events
    )


def test_cancel_of_a_running_fanout_leaves_no_item_running(
    client: TestClient,
    auth: dict[str, str],
    worker: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = fanout(client, auth, items=40, sleep_ms=500)
    until(lambda: items_by_status(sessions, job["id"]).get("running"), what="items running")
    response = client.post(job_path(job["id"], "cancel"), headers=auth)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert client.post(job_path(job["id"], "cancel"), headers=auth).status_code == 200

    counts = items_by_status(sessions, job["id"])
    assert "running" not in counts
    assert "queued" not in counts
    # what was running when cancelled may finish, but its outcome is dropped
    until(
        lambda: (
            worker.events(processes.DELIVERY_IGNORED) or worker.events(processes.OUTCOME_DROPPED)
        ),
        what="a revoked or dropped execution",
        timeout=30,
    )
    assert job_row(sessions, job["id"]).status == "cancelled"
    assert "running" not in items_by_status(sessions, job["id"])


def test_reset_stuck_recovers_the_items_of_a_killed_worker(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    # The dead worker's running items come back through reset-stuck. A message it had reserved
    # but not claimed yet sits in its unacknowledged set; the reconciler (driven by beat)
    # sends that item again once republish_after has passed.
    doomed = start_worker(concurrency=2, name="doomed")
    job = fanout(client, auth, items=6, sleep_ms=3000)
    until(lambda: items_by_status(sessions, job["id"]).get("running"), what="items running")
    doomed.stop(signal.SIGKILL)
    stuck = items_by_status(sessions, job["id"])["running"]

    response = client.post(
        job_path(job["id"], "reset-stuck"), params={"older_than": 0}, headers=auth
    )
    assert response.json()["requeued"] == stuck
    start_worker(concurrency=4, name="rescuer")
    done = job_reaches(sessions, job["id"], "succeeded", "failed", timeout=120)
    assert done.status == "succeeded"
    assert done.succeeded_items == 6


def test_sse_delivers_progress_in_order_and_closes_at_the_end(
    api_server: str,
    auth: dict[str, str],
    client: TestClient,
    worker: Running,
) -> None:
    job = fanout(client, auth, items=30, sleep_ms=20)
    snapshots = []
    with httpx.stream(
        "GET", api_server + job_path(job["id"], "events"), headers=auth, timeout=60
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data:"):
                snapshots.append(json.loads(line.removeprefix("data:").strip()))
    assert snapshots[-1]["status"] == "succeeded"
    assert snapshots[-1]["progress"]["succeeded"] == 30
    done = [s["progress"]["succeeded"] + s["progress"]["failed"] for s in snapshots]
    assert done == sorted(done)
    assert len(snapshots) > 2
