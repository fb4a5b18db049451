"""The lifecycle endpoints in process, against the real database and broker (no worker)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.queues import redis_keys
from conveyor_core.jobs.states import Status
from tests.factories import make_auth, set_status, submit
from tests.paths import ACTIVE_TASKS, JOBS, JOBS_BATCH, QUEUES, TASK_KINDS, WORKERS, job

ECHO = {"kind": "diag.echo", "params": {"message": "x"}}


def create(client: TestClient, auth: dict[str, str]) -> str:
    return str(submit(client, "diag.echo", auth=auth, message="x")["id"])


@pytest.mark.commits  # created_at is now(): one transaction would give every job the same
def test_list_is_newest_first_with_cursor_pages_and_filters(
    client: TestClient, auth: dict[str, str]
) -> None:
    ids = [create(client, auth) for _ in range(5)]
    sleepy = submit(client, "diag.sleep", auth=auth, seconds=1)["id"]
    first = client.get(JOBS, params={"limit": 4}, headers=auth).json()
    second = client.get(
        JOBS, params={"limit": 4, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    listed = [j["id"] for j in first["items"] + second["items"]]
    assert listed == [sleepy, *reversed(ids)]
    assert second["next_cursor"] is None
    only_sleep = client.get(JOBS, params={"kind": "diag.sleep"}, headers=auth).json()
    assert [j["id"] for j in only_sleep["items"]] == [sleepy]
    queued = client.get(JOBS, params={"status": "queued", "queue": "default"}, headers=auth)
    assert len(queued.json()["items"]) == 6


@pytest.mark.parametrize(
    "params",
    [{"cursor": "garbage"}, {"status": "sideways"}, {"limit": 0}, {"created_after": "yesterday"}],
)
def test_list_rejects_bad_query_parameters(
    client: TestClient, auth: dict[str, str], params: dict[str, Any]
) -> None:
    response = client.get(JOBS, params=params, headers=auth)
    assert response.status_code == 422
    assert "code" in response.json()["error"]


def test_batch_creates_every_job_in_order(
    client: TestClient, auth: dict[str, str], redis_client: redis.Redis
) -> None:
    bodies = [{"kind": "diag.echo", "params": {"message": str(i)}} for i in range(50)]
    response = client.post(JOBS_BATCH, json={"jobs": bodies}, headers=auth)
    assert response.status_code == 201
    assert [j["params"]["message"] for j in response.json()["items"]] == [str(i) for i in range(50)]
    assert sum(redis_client.llen(k) for k in redis_keys("default")) == 50


def test_batch_with_one_bad_job_creates_none(client: TestClient, auth: dict[str, str]) -> None:
    bodies = [ECHO, {"kind": "diag.echo", "params": {}}, {"kind": "nope"}]
    response = client.post(JOBS_BATCH, json={"jobs": bodies}, headers=auth)
    assert response.status_code == 422
    locs = [d["loc"] for d in response.json()["error"]["details"]]
    assert ["body", "jobs", 1, "params", "message"] in locs
    assert ["body", "jobs", 2, "kind"] in locs
    assert client.get(JOBS, headers=auth).json()["items"] == []


def test_batch_refuses_more_than_ten_thousand(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(JOBS_BATCH, json={"jobs": [ECHO] * 10_001}, headers=auth)
    assert response.status_code in (413, 422)


def test_batch_over_the_body_limit_gets_a_documented_413(
    client: TestClient, auth: dict[str, str]
) -> None:
    jobs = [{"kind": "diag.echo", "params": {"message": "x" * 200}}] * 6_000  # over 1 MiB
    response = client.post(JOBS_BATCH, json={"jobs": jobs}, headers=auth)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    documented = client.get("/openapi.json").json()["paths"][JOBS_BATCH]["post"]
    assert "413" in documented["responses"]
    assert client.get(JOBS, headers=auth).json()["items"] == []


@pytest.mark.commits  # fifty requests at once, each in a transaction of its own
def test_fifty_concurrent_identical_posts_make_one_job(
    client: TestClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "concurrent-1"}
    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(
            pool.map(lambda _: client.post(JOBS, json=ECHO, headers=headers), range(50))
        )
    assert {r.status_code for r in responses} <= {200, 201}
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({r.json()["id"] for r in responses}) == 1


def test_celery_status_of_a_queued_job(client: TestClient, auth: dict[str, str]) -> None:
    job_id = create(client, auth)
    body = client.get(job(job_id, "celery-status"), headers=auth).json()
    assert body["states"]["PENDING"] == 1
    assert body["total"] == 1
    assert body["ready"] is False
    assert body["progress_percent"] == 0.0


def test_delete_refuses_unfinished_jobs_and_removes_finished_ones(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    job_id = create(client, auth)
    refused = client.delete(job(job_id), headers=auth)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    set_status(sessions, job_id, Status.SUCCEEDED)
    assert client.delete(job(job_id), headers=auth).status_code == 204
    assert client.get(job(job_id), headers=auth).status_code == 404


def test_cancel_queued_job_then_again_is_idempotent_and_finished_job_conflicts(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    job_id = create(client, auth)
    first = client.post(job(job_id, "cancel"), headers=auth)
    assert first.json()["status"] == "cancelled"
    assert client.post(job(job_id, "cancel"), headers=auth).json() == first.json()
    other = create(client, auth)
    set_status(sessions, other, Status.SUCCEEDED)
    assert client.post(job(other, "cancel"), headers=auth).status_code == 409


def test_retry_of_a_job_with_nothing_failed_conflicts_and_failed_job_requeues(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    job_id = create(client, auth)
    assert client.post(job(job_id, "retry"), headers=auth).status_code == 409
    set_status(sessions, job_id, Status.FAILED)
    body = client.post(job(job_id, "retry"), headers=auth).json()
    assert body["requeued"] == 1
    assert body["job"]["status"] == "queued"


def test_reset_stuck_with_nothing_stuck_requeues_nothing(
    client: TestClient, auth: dict[str, str]
) -> None:
    job_id = create(client, auth)
    body = client.post(job(job_id, "reset-stuck"), params={"older_than": 60}, headers=auth).json()
    assert body["requeued"] == 0
    bad = client.post(job(job_id, "reset-stuck"), params={"older_than": -1}, headers=auth)
    assert bad.status_code == 422


def test_refresh_progress_returns_the_job(client: TestClient, auth: dict[str, str]) -> None:
    job_id = create(client, auth)
    body = client.post(job(job_id, "refresh-progress"), headers=auth).json()
    assert body["progress"]["total"] == 0


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("get", ""),
        ("get", "items"),
        ("get", "celery-status"),
        ("get", "events"),
        ("post", "retry"),
        ("post", "cancel"),
        ("post", "reset-stuck"),
        ("post", "refresh-progress"),
        ("delete", ""),
    ],
)
def test_another_tenant_gets_404_everywhere(
    client: TestClient, sessions: sessionmaker[Session], method: str, action: str
) -> None:
    owner = make_auth(sessions, tenant="owner")
    stranger = make_auth(sessions, tenant="stranger")
    job_id = create(client, owner)
    response = client.request(method.upper(), job(job_id, action), headers=stranger)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(job(job_id), headers=owner).json()["status"] == "queued"


def test_task_kinds_lists_contracts_with_schemas_and_policies(
    client: TestClient, auth: dict[str, str]
) -> None:
    kinds = {k["kind"]: k for k in client.get(TASK_KINDS, headers=auth).json()["items"]}
    assert {"diag.echo", "diag.sleep", "diag.flaky", "diag.fanout"} <= set(kinds)
    echo = kinds["diag.echo"]
    assert echo["queue"] == "default"
    assert echo["params_schema"]["required"] == ["message"]
    assert echo["retry"]["max_retries"] == 3
    assert kinds["diag.fanout"]["fanout"] is True


@pytest.mark.parametrize("path", [QUEUES, WORKERS, ACTIVE_TASKS])
def test_operator_endpoints_need_admin(client: TestClient, auth: dict[str, str], path: str) -> None:
    response = client.get(path, headers=auth)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_queues_report_waiting_messages_across_priority_lists(
    client: TestClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    for priority in (0, 5, 9):
        client.post(JOBS, json={**ECHO, "queue": "data", "priority": priority}, headers=auth)
    queues = {q["queue"]: q for q in client.get(QUEUES, headers=admin).json()["items"]}
    assert set(queues) == {"default", "ai", "data", "billing", "tools", "maintenance"}
    assert queues["data"]["waiting"] == 3
    assert queues["data"]["in_flight"] == 0
    assert sum(1 for n in queues["data"]["by_priority_list"].values() if n) == 3
