"""/api/v1/keys in process, against the real database: admin-only key management."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope, hash_key
from conveyor_core.models import ApiKey
from tests.factories import bearer, make_auth, submit
from tests.paths import JOBS, KEYS


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    return make_auth(sessions, tenant="ops", scopes=[Scope.ADMIN])


def test_a_created_key_is_shown_once_stored_as_its_hash_and_works(
    client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    created = client.post(KEYS, json={"tenant": "analytics", "name": "etl"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["tenant"] == "analytics"
    assert body["scopes"] == ["jobs:read", "jobs:write"]
    assert body["key"].startswith(body["prefix"])
    with sessions() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == uuid.UUID(body["id"]))).one()
    assert row.key_hash == hash_key(body["key"])
    listed = client.get(KEYS, headers=admin).json()["items"]
    assert body["key"] not in str(listed)
    assert body["id"] in [k["id"] for k in listed]
    jobs = client.get(JOBS, headers=bearer(body["key"]))
    assert jobs.status_code == 200


def test_list_filters_by_tenant(client: TestClient, admin: dict[str, str]) -> None:
    for tenant in ("analytics", "billing"):
        client.post(KEYS, json={"tenant": tenant}, headers=admin)
    listed = client.get(KEYS, params={"tenant": "billing"}, headers=admin).json()["items"]
    assert [k["tenant"] for k in listed] == ["billing"]
    assert client.get(KEYS, params={"tenant": "nobody"}, headers=admin).json() == {"items": []}


def test_a_revoked_key_answers_401_and_revoking_again_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = client.post(KEYS, json={"tenant": "analytics"}, headers=admin).json()
    revoked = client.delete(f"{KEYS}/{created['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    again = client.delete(f"{KEYS}/{created['id']}", headers=admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    refused = client.get(JOBS, headers=bearer(created["key"]))
    assert refused.status_code == 401


def test_an_unknown_key_id_is_404(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.delete(f"{KEYS}/{uuid.uuid4()}", headers=admin)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", KEYS, {"tenant": "x"}),
        ("GET", KEYS, None),
        ("DELETE", f"{KEYS}/{uuid.uuid4()}", None),
    ],
)
def test_key_management_needs_the_admin_scope(
    client: TestClient, auth: dict[str, str], method: str, path: str, body: Any
) -> None:
    answer = client.request(method, path, json=body, headers=auth)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert client.request(method, path, json=body).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tenant": ""},
        {"tenant": "has space"},
        {"tenant": "x", "scopes": ["root"]},
        {"tenant": "x", "scopes": []},
        {"tenant": "x", "owner": "me"},
        {"tenant": "x", "name": "n" * 101},
    ],
)
def test_a_bad_body_is_422(client: TestClient, admin: dict[str, str], body: Any) -> None:
    answer = client.post(KEYS, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_error"


def test_a_key_id_that_is_not_a_uuid_is_422(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.delete(f"{KEYS}/not-a-uuid", headers=admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["loc"] == ["path", "key_id"]


def test_jobs_filter_by_id_prefix(client: TestClient, auth: dict[str, str]) -> None:
    ids = [submit(client, "diag.echo", auth=auth, message="x")["id"] for _ in range(3)]
    for job_id in ids:
        for prefix in (job_id[:8], job_id[:13], job_id.replace("-", "")[:10].upper()):
            found = client.get(JOBS, params={"id_prefix": prefix}, headers=auth)
            assert job_id in [j["id"] for j in found.json()["items"]], prefix
    exact = client.get(JOBS, params={"id_prefix": ids[0]}, headers=auth).json()
    assert [j["id"] for j in exact["items"]] == [ids[0]]
    bad = client.get(JOBS, params={"id_prefix": "xyz%"}, headers=auth)
    assert bad.status_code == 422
