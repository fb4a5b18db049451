"""/api/v1/schedules through the app, on real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope
from conveyor_core.models import Job, Schedule
from tests.factories import count, make_auth
from tests.factories import schedule_body as body
from tests.paths import SCHEDULES, job


def test_create_answers_the_schedule_with_its_next_run(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post(SCHEDULES, json=body(), headers=auth)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["timezone"] == "UTC"
    assert created["enabled"] is True
    assert created["overlap"] == "allow"
    assert created["last_run_at"] is None
    assert created["last_job_id"] is None
    next_run = datetime.fromisoformat(created["next_run_at"])
    made = datetime.fromisoformat(created["created_at"])
    assert next_run - made == pytest.approx(timedelta(hours=1), abs=timedelta(seconds=5))
    assert client.get(f"{SCHEDULES}/{created['id']}", headers=auth).json() == created
    assert client.get(SCHEDULES, headers=auth).json() == {"items": [created]}


def test_cron_schedule_runs_next_at_its_wall_clock_time(
    client: TestClient, auth: dict[str, str]
) -> None:
    cron = body(interval_seconds=None, cron="30 2 * * *", timezone="America/New_York")
    created = client.post(SCHEDULES, json=cron, headers=auth).json()
    next_run = datetime.fromisoformat(created["next_run_at"])
    local = next_run.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) in {(2, 30), (3, 0)}  # 03:00 on a spring-forward day


def test_duplicate_name_in_a_tenant_is_a_conflict(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    assert client.post(SCHEDULES, json=body(), headers=auth).status_code == 201
    again = client.post(SCHEDULES, json=body(interval_seconds=60), headers=auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_name"
    other = make_auth(sessions, tenant="globex")
    assert client.post(SCHEDULES, json=body(), headers=other).status_code == 201


BOTH = {"cron": "* * * * *"}
NEITHER = {"interval_seconds": None}
INVALID: list[tuple[dict[str, Any], str, set[str]]] = [
    (BOTH, "invalid_schedule", {"cron", "interval_seconds"}),
    (NEITHER, "invalid_schedule", {"cron", "interval_seconds"}),
    ({**NEITHER, "cron": "61 * * * *"}, "invalid_schedule", {"cron"}),
    ({**NEITHER, "cron": "* * * * * *"}, "invalid_schedule", {"cron"}),
    ({"timezone": "Mars/Olympus"}, "invalid_schedule", {"timezone"}),
    ({"kind": "acme.nothing"}, "unknown_kind", {"kind"}),
    ({"queue": "nowhere"}, "unknown_queue", {"queue"}),
    ({"params": {}}, "invalid_params", {"params.message"}),
    ({"params": {"message": 5}}, "invalid_params", {"params.message"}),
    ({"interval_seconds": 0}, "validation_error", {"interval_seconds"}),
    ({"interval_seconds": True}, "validation_error", {"interval_seconds"}),
    ({"interval_seconds": "60"}, "validation_error", {"interval_seconds"}),
    ({"priority": True}, "validation_error", {"priority"}),
    ({"priority": 10}, "validation_error", {"priority"}),
    ({"enabled": "yes"}, "validation_error", {"enabled"}),
    ({"enabled": 1}, "validation_error", {"enabled"}),
    ({"overlap": "queue"}, "validation_error", {"overlap"}),
    ({"name": ""}, "validation_error", {"name"}),
    ({"surprise": 1}, "validation_error", {"surprise"}),
]


@pytest.mark.parametrize(("change", "code", "fields"), INVALID)
def test_invalid_schedules_are_refused_with_the_fields_and_not_stored(
    client: TestClient,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
    change: dict[str, Any],
    code: str,
    fields: set[str],
) -> None:
    response = client.post(SCHEDULES, json=body(**change), headers=auth)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    located = {".".join(map(str, d["loc"][1:])) for d in error["details"]}
    assert located == fields, error
    assert count(sessions, Schedule) == 0


def test_patch_changes_the_timing_and_a_pause_clears_the_next_run(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post(SCHEDULES, json=body(), headers=auth).json()
    url = f"{SCHEDULES}/{created['id']}"
    to_cron = client.patch(
        url, json={"cron": "0 6 * * *", "timezone": "Europe/Paris"}, headers=auth
    )
    assert to_cron.status_code == 200, to_cron.text
    changed = to_cron.json()
    assert (changed["cron"], changed["interval_seconds"]) == ("0 6 * * *", None)
    assert (
        datetime.fromisoformat(changed["next_run_at"]).astimezone(ZoneInfo("Europe/Paris")).hour
        == 6
    )
    paused = client.patch(url, json={"enabled": False}, headers=auth).json()
    assert (paused["enabled"], paused["next_run_at"]) == (False, None)
    resumed = client.patch(url, json={"enabled": True}, headers=auth).json()
    assert resumed["next_run_at"] == changed["next_run_at"]
    renamed = client.patch(url, json={"name": "morning", "params": {"message": "hi"}}, headers=auth)
    assert renamed.json()["name"] == "morning"
    assert renamed.json()["next_run_at"] == changed["next_run_at"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cron": "* * * * *", "interval_seconds": 60}, "invalid_schedule"),
        ({"interval_seconds": None}, "invalid_schedule"),
        ({"name": None}, "validation_error"),
        ({"enabled": None}, "validation_error"),
        ({"params": {"message": ["x"]}}, "invalid_params"),
        ({"kind": "diag.sleep"}, "invalid_params"),  # the old params do not fit the new kind
        ({"timezone": "Nowhere/Land"}, "invalid_schedule"),
    ],
)
def test_invalid_changes_are_refused_and_nothing_changes(
    client: TestClient, auth: dict[str, str], change: dict[str, Any], code: str
) -> None:
    created = client.post(SCHEDULES, json=body(), headers=auth).json()
    url = f"{SCHEDULES}/{created['id']}"
    response = client.patch(url, json=change, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert client.get(url, headers=auth).json() == created


def test_rename_onto_another_schedule_is_a_conflict(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.post(SCHEDULES, json=body(name="a"), headers=auth)
    second = client.post(SCHEDULES, json=body(name="b"), headers=auth).json()
    response = client.patch(f"{SCHEDULES}/{second['id']}", json={"name": "a"}, headers=auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_name"


def test_run_now_creates_one_job_and_records_it(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    created = client.post(SCHEDULES, json=body(enabled=False), headers=auth).json()
    run = client.post(f"{SCHEDULES}/{created['id']}/run", headers=auth)
    assert run.status_code == 201, run.text
    job = run.json()
    assert (job["kind"], job["params"], job["status"]) == (
        "diag.echo",
        {"message": "tick"},
        "queued",
    )
    after = client.get(f"{SCHEDULES}/{created['id']}", headers=auth).json()
    assert after["last_job_id"] == job["id"]
    assert after["last_run_at"] is not None
    assert after["next_run_at"] is None  # still paused
    assert count(sessions, Job) == 1


def test_run_now_with_overlap_skip_refuses_while_the_last_job_is_unfinished(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    created = client.post(SCHEDULES, json=body(overlap="skip"), headers=auth).json()
    run = f"{SCHEDULES}/{created['id']}/run"
    first = client.post(run, headers=auth).json()  # no worker: it stays queued
    refused = client.post(run, headers=auth)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "previous_job_unfinished"
    assert count(sessions, Job) == 1
    assert client.post(job(first["id"], "cancel"), headers=auth).status_code == 200
    assert client.post(run, headers=auth).status_code == 201


def test_delete_removes_the_schedule_and_keeps_its_jobs(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    created = client.post(SCHEDULES, json=body(), headers=auth).json()
    url = f"{SCHEDULES}/{created['id']}"
    client.post(f"{url}/run", headers=auth)
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404
    assert client.delete(url, headers=auth).status_code == 404
    assert count(sessions, Job) == 1


def test_another_tenants_schedule_is_not_found(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    created = client.post(SCHEDULES, json=body(), headers=auth).json()
    url = f"{SCHEDULES}/{created['id']}"
    other = make_auth(sessions, tenant="globex")
    assert client.get(SCHEDULES, headers=other).json() == {"items": []}
    for method, path, payload in [
        ("GET", url, None),
        ("PATCH", url, {"enabled": False}),
        ("POST", f"{url}/run", None),
        ("DELETE", url, None),
    ]:
        response = client.request(method, path, json=payload, headers=other)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert client.get(url, headers=auth).json() == created


def test_reading_needs_jobs_read_and_changing_needs_jobs_write(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    reader = make_auth(sessions, scopes=[Scope.JOBS_READ])
    writer = make_auth(sessions, scopes=[Scope.JOBS_WRITE])
    assert client.get(SCHEDULES, headers=reader).status_code == 200
    refused = client.post(SCHEDULES, json=body(), headers=reader)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    created = client.post(SCHEDULES, json=body(), headers=writer)
    assert created.status_code == 201
    assert client.get(SCHEDULES, headers=writer).status_code == 403
    assert client.post(f"{SCHEDULES}/{created.json()['id']}/run", headers=reader).status_code == 403
    assert client.get(SCHEDULES).status_code == 401
