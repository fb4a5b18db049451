from __future__ import annotations

from fastapi.testclient import TestClient

from tests.paths import JOBS


def test_healthz_answers_without_touching_backing_services(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_postgres_and_redis(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok"}


def test_openapi_documents_the_jobs_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {JOBS, f"{JOBS}/{{job_id}}", "/healthz", "/readyz"} <= set(paths)
    assert client.get("/docs").status_code == 200
