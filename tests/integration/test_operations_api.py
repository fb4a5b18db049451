"""Operator endpoints against a live worker: workers, active tasks, revoking a task."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import submit
from tests.paths import ACTIVE_TASKS, TASKS, WORKERS
from tests.processes import Running
from tests.waiting import job_reaches, until


def test_workers_lists_the_running_worker_with_its_queues(
    client: TestClient, admin: dict[str, str], worker: Running
) -> None:
    items = until(
        lambda: client.get(WORKERS, headers=admin).json()["items"],
        what="the worker to register",
    )
    (entry,) = items
    assert entry["hostname"].startswith("worker0@")
    assert set(entry["queues"]) == {"default", "ai", "data", "billing", "tools", "maintenance"}
    assert entry["concurrency"] == 2
    assert entry["last_heartbeat"] > 0


def test_active_tasks_show_a_running_job_and_revoke_terminates_it(
    client: TestClient,
    admin: dict[str, str],
    worker: Running,
    sessions: sessionmaker[Session],
) -> None:
    job = submit(client, "diag.sleep", auth=admin, seconds=30)
    job_reaches(sessions, job["id"], "running")

    def running_task() -> list[dict[str, str]]:
        items = client.get(ACTIVE_TASKS, headers=admin).json()["items"]
        return [t for t in items if t["job_id"] == job["id"]]

    (task,) = until(running_task, what="the task to be active")
    assert task["name"] == "diag.sleep"
    assert task["queue"] == "default"
    response = client.delete(
        f"{TASKS}/{task['task_id']}", params={"terminate": True}, headers=admin
    )
    assert response.status_code == 202
    until(lambda: not running_task(), timeout=30, what="the task to stop")


def test_active_worker_count_per_queue_comes_from_the_same_registry(
    client: TestClient, admin: dict[str, str], start_worker: Callable[..., Running]
) -> None:
    start_worker(queues="data,tools")
    until(
        lambda: client.get(WORKERS, headers=admin).json()["items"],
        what="the worker to register",
    )
    counts = {
        s.labels["queue_name"]: s.value
        for family in text_string_to_metric_families(client.get("/metrics").text)
        if family.name == "celery_active_worker_count"
        for s in family.samples
    }
    assert counts == {"default": 0, "ai": 0, "data": 1, "billing": 0, "tools": 1, "maintenance": 0}
