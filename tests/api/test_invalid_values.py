"""Values PostgreSQL cannot hold (a NUL character) are the client's error: 422, never 500."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.paths import JOBS


def test_a_nul_character_in_a_filter_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(JOBS, params={"kind": "diag\x00echo"}, headers=auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_value"
    assert "NUL" in error["message"]


def test_a_nul_character_in_params_is_a_422_and_stores_nothing(
    client: TestClient, auth: dict[str, str]
) -> None:
    before = client.get(JOBS, headers=auth).json()["items"]
    response = client.post(
        JOBS, headers=auth, json={"kind": "diag.echo", "params": {"message": "a\x00b"}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_value"
    assert client.get(JOBS, headers=auth).json()["items"] == before
