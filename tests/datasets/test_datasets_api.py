"""Datasets through the api: writes, reads in key order, errors, tenants."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope
from tests.factories import make_auth
from tests.paths import DATASETS

KEY = ["unit", "month"]


def _write(
    client: TestClient, auth: dict[str, str], records: list[dict[str, Any]], **body: Any
) -> Any:
    response = client.post(
        f"{DATASETS}/usage/records", json={"key": KEY, "records": records, **body}, headers=auth
    )
    return response


def test_records_are_inserted_then_updated_or_left_unchanged(
    client: TestClient, auth: dict[str, str]
) -> None:
    first = [{"unit": "u1", "month": 1, "kwh": 3}, {"unit": "u2", "month": 1, "kwh": 5}]
    assert _write(client, auth, first).json() == {"inserted": 2, "updated": 0, "unchanged": 0}
    created = client.get(f"{DATASETS}/usage", headers=auth).json()
    assert created["name"] == "usage"
    assert created["key"] == KEY
    assert created["record_count"] == 2
    again = [{"unit": "u1", "month": 1, "kwh": 4}, {"unit": "u2", "month": 1, "kwh": 5}]
    assert _write(client, auth, again).json() == {"inserted": 0, "updated": 1, "unchanged": 1}
    assert client.get(f"{DATASETS}/usage", headers=auth).json()["record_count"] == 2


def test_a_write_that_changes_nothing_leaves_the_timestamps_alone(
    client: TestClient, auth: dict[str, str]
) -> None:
    records = [{"unit": "u1", "month": 1, "kwh": 3}]
    _write(client, auth, records)
    before = client.get(f"{DATASETS}/usage", headers=auth).json()
    record_before = client.get(f"{DATASETS}/usage/records", headers=auth).json()["items"]
    assert _write(client, auth, records).json() == {"inserted": 0, "updated": 0, "unchanged": 1}
    assert client.get(f"{DATASETS}/usage", headers=auth).json() == before
    assert client.get(f"{DATASETS}/usage/records", headers=auth).json()["items"] == record_before


def test_records_page_in_key_order_with_an_opaque_cursor(
    client: TestClient, auth: dict[str, str]
) -> None:
    # numbers order as numbers: month 10 after month 9
    records = [{"unit": u, "month": m, "kwh": m} for u in ("b", "a") for m in (10, 9, 1)]
    _write(client, auth, records)
    keys: list[list[Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{DATASETS}/usage/records", params=params, headers=auth).json()
        keys += [item["key"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert keys == [["a", 1], ["a", 9], ["a", 10], ["b", 1], ["b", 9], ["b", 10]]
    first = client.get(f"{DATASETS}/usage/records?limit=1", headers=auth).json()["items"][0]
    assert first["data"] == {"unit": "a", "month": 1, "kwh": 1}


def test_an_invalid_cursor_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    _write(client, auth, [{"unit": "u1", "month": 1}])
    for cursor in ("not-a-cursor", "WzFd", "ImEi"):  # garbage, [1] (too short), "a"
        response = client.get(f"{DATASETS}/usage/records?cursor={cursor}", headers=auth)
        assert response.status_code == 422, cursor
        assert response.json()["error"]["code"] == "invalid_cursor"
        assert response.json()["error"]["details"][0]["loc"] == ["query", "cursor"]
    listing = client.get(f"{DATASETS}?cursor=WzFd", headers=auth)
    assert listing.json()["error"]["code"] == "invalid_cursor"


def test_a_record_missing_a_key_field_is_refused_and_nothing_is_written(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    records: list[dict[str, Any]] = [
        {"unit": "u1", "month": 1},
        {"unit": "u2"},
        {"unit": "u3", "month": None},
    ]
    response = _write(client, auth, records)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_record"
    assert error["details"][0]["loc"] == ["body", "records", 1]
    assert "month" in error["message"]
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM dataset_records")) == 0
        assert session.scalar(text("SELECT count(*) FROM datasets")) == 0


def test_a_key_field_holding_an_object_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    response = _write(client, auth, [{"unit": {"id": 1}, "month": 1}])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_record"


def test_a_bad_key_declaration_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    for key in (["unit", "unit"], [""], []):
        response = client.post(
            f"{DATASETS}/usage/records", json={"key": key, "records": []}, headers=auth
        )
        assert response.status_code == 422, key
        assert response.json()["error"]["code"] in ("invalid_dataset", "validation_error")


def test_writing_with_another_key_than_the_dataset_has_is_a_409(
    client: TestClient, auth: dict[str, str]
) -> None:
    _write(client, auth, [{"unit": "u1", "month": 1}])
    response = client.post(
        f"{DATASETS}/usage/records",
        json={"key": ["unit"], "records": [{"unit": "u1"}]},
        headers=auth,
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "key_mismatch"
    assert error["details"] == {"key": KEY, "given": ["unit"]}


def test_a_bad_dataset_name_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        f"{DATASETS}/.hidden/records", json={"key": ["a"], "records": []}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_dataset"


def test_datasets_are_listed_by_name_and_deleted_with_their_records(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    for name in ("zeta", "alpha", "mid"):
        client.post(
            f"{DATASETS}/{name}/records", json={"key": ["id"], "records": [{"id": 1}]}, headers=auth
        )
    first = client.get(f"{DATASETS}?limit=2", headers=auth).json()
    rest = client.get(f"{DATASETS}?cursor={first['next_cursor']}", headers=auth).json()
    assert [d["name"] for d in first["items"] + rest["items"]] == ["alpha", "mid", "zeta"]
    assert rest["next_cursor"] is None
    assert client.delete(f"{DATASETS}/mid", headers=auth).status_code == 204
    assert client.get(f"{DATASETS}/mid", headers=auth).status_code == 404
    assert client.delete(f"{DATASETS}/mid", headers=auth).status_code == 404
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM dataset_records")) == 2


def test_unknown_datasets_are_404(client: TestClient, auth: dict[str, str]) -> None:
    for response in (
        client.get(f"{DATASETS}/nothing", headers=auth),
        client.get(f"{DATASETS}/nothing/records", headers=auth),
        client.delete(f"{DATASETS}/nothing", headers=auth),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_another_tenant_sees_and_deletes_nothing(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    _write(client, auth, [{"unit": "u1", "month": 1}])
    other = make_auth(sessions, tenant="globex")
    assert client.get(DATASETS, headers=other).json()["items"] == []
    assert client.get(f"{DATASETS}/usage", headers=other).status_code == 404
    assert client.get(f"{DATASETS}/usage/records", headers=other).status_code == 404
    assert client.delete(f"{DATASETS}/usage", headers=other).status_code == 404
    # the same name is the other tenant's own dataset, with its own key
    own = client.post(
        f"{DATASETS}/usage/records", json={"key": ["id"], "records": [{"id": 1}]}, headers=other
    )
    assert own.json()["inserted"] == 1
    assert client.get(f"{DATASETS}/usage", headers=auth).json()["key"] == KEY


def test_a_read_only_key_reads_but_cannot_write(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    _write(client, auth, [{"unit": "u1", "month": 1}])
    reader = make_auth(sessions, scopes=[Scope.JOBS_READ])
    assert client.get(f"{DATASETS}/usage/records", headers=reader).status_code == 200
    assert _write(client, reader, [{"unit": "u2", "month": 1}]).status_code == 403
    assert client.delete(f"{DATASETS}/usage", headers=reader).status_code == 403
