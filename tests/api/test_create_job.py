from __future__ import annotations

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope
from conveyor_core.broker.queues import redis_keys
from conveyor_core.models import Job
from conveyor_core.settings import Settings
from tests.factories import bearer, count, make_auth, submit
from tests.inprocess import app_client
from tests.paths import JOBS


def job_count(sessions: sessionmaker[Session]) -> int:
    return count(sessions, Job)


def queued_messages(redis_client: redis.Redis, queue: str) -> int:
    return sum(redis_client.llen(k) for k in redis_keys(queue))


def test_accepted_job_is_stored_then_published(
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    response = client.post(
        JOBS, json={"kind": "diag.echo", "params": {"message": "hi"}}, headers=auth
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    assert body["queue"] == "default"
    assert body["priority"] == 5
    assert body["progress"] == {
        "total": 0,
        "queued": 0,
        "running": 0,
        "succeeded": 0,
        "failed": 0,
        "percent": 0.0,
        "message": None,
    }
    assert job_count(sessions) == 1
    assert queued_messages(redis_client, "default") == 1
    with sessions() as session:
        assert session.get(Job, body["id"]).published_at is not None  # type: ignore[union-attr]


def test_get_returns_the_job(client: TestClient, auth: dict[str, str]) -> None:
    created = submit(client, "diag.sleep", auth=auth, seconds=1)
    fetched = client.get(f"{JOBS}/{created['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == {**created, "artifacts": []}  # the job's own view lists its files


@pytest.mark.parametrize(
    ("body", "code", "loc"),
    [
        ({"kind": "no.such.kind"}, "unknown_kind", ["body", "kind"]),
        ({"kind": "diag.echo", "params": {}}, "invalid_params", ["body", "params", "message"]),
        (
            {"kind": "diag.echo", "params": {"message": "x", "extra": 1}},
            "invalid_params",
            ["body", "params", "extra"],
        ),
        (
            {"kind": "diag.sleep", "params": {"seconds": -1}},
            "invalid_params",
            ["body", "params", "seconds"],
        ),
        (
            {"kind": "diag.echo", "params": {"message": "x"}, "queue": "nope"},
            "unknown_queue",
            ["body", "queue"],
        ),
        (
            {"kind": "diag.echo", "params": {"message": "x"}, "priority": 10},
            "validation_error",
            ["body", "priority"],
        ),
        ({"params": {}}, "validation_error", ["body", "kind"]),
    ],
)
def test_invalid_request_gets_422_with_field_errors_and_creates_nothing(
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    body: dict[str, object],
    code: str,
    loc: list[str],
) -> None:
    response = client.post(JOBS, json=body, headers=auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert loc in [d["loc"] for d in error["details"]]
    assert job_count(sessions) == 0


def test_malformed_json_gets_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        JOBS, content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_body_over_the_limit_gets_413(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    big = "x" * (1024 * 1024 + 1)
    response = client.post(
        JOBS, json={"kind": "diag.echo", "params": {"message": big}}, headers=auth
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert job_count(sessions) == 0


@pytest.mark.parametrize("header", [None, "Bearer cvk_wrong", "Basic abc"])
def test_missing_or_wrong_key_gets_401(
    client: TestClient, header: str | None, sessions: sessionmaker[Session]
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post(
        JOBS, json={"kind": "diag.echo", "params": {"message": "x"}}, headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert job_count(sessions) == 0


def test_read_only_key_cannot_create(client: TestClient, sessions: sessionmaker[Session]) -> None:
    reader = make_auth(sessions, scopes=[Scope.JOBS_READ])
    response = client.post(
        JOBS, json={"kind": "diag.echo", "params": {"message": "x"}}, headers=reader
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_tenant_cannot_see_another_tenants_job(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    alice = make_auth(sessions, tenant="alice")
    bob = make_auth(sessions, tenant="bob")
    job = submit(client, "diag.echo", auth=alice, message="x")
    assert client.get(f"{JOBS}/{job['id']}", headers=bob).status_code == 404
    assert client.get(f"{JOBS}/{job['id']}", headers=alice).status_code == 200


def test_same_idempotency_key_and_body_returns_the_original(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    body = {"kind": "diag.echo", "params": {"message": "once"}}
    headers = {**auth, "Idempotency-Key": "order-42"}
    first = client.post(JOBS, json=body, headers=headers)
    again = client.post(JOBS, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert job_count(sessions) == 1


def test_same_idempotency_key_with_another_body_is_a_conflict(
    client: TestClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "order-43"}
    client.post(JOBS, json={"kind": "diag.echo", "params": {"message": "a"}}, headers=headers)
    response = client.post(
        JOBS, json={"kind": "diag.echo", "params": {"message": "b"}}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


@pytest.mark.commits  # the lifespan installs the key on the app's own engine
def test_bootstrap_admin_key_authenticates(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    key = "cvk_bootstrap-" + "k" * 40
    configured = settings.model_copy(update={"bootstrap_admin_key": SecretStr(key)})
    with app_client(configured, sessions) as c:
        response = c.get(
            f"{JOBS}/00000000-0000-0000-0000-000000000000",
            headers=bearer(key),
        )
    assert response.status_code == 404  # authenticated, and no such job
