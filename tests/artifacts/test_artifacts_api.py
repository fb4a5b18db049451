"""Artifacts through the api with the PostgreSQL backend."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope
from tests.artifacts.multipart import CONTENT_TYPE, form
from tests.artifacts.uploads import SMALL_LIMIT, upload
from tests.factories import make_auth
from tests.paths import ARTIFACTS


def _stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        artifacts = session.scalar(text("SELECT count(*) FROM artifacts"))
        chunks = session.scalar(text("SELECT count(*) FROM artifact_chunks"))
    return int(artifacts or 0), int(chunks or 0)


def test_upload_answers_the_artifact_and_it_reads_back(
    client: TestClient, auth: dict[str, str]
) -> None:
    content = b"unit,kwh\nu1,3\n"
    artifact = upload(client, auth, content, name="usage.csv", content_type="text/csv")
    assert artifact["name"] == "usage.csv"
    assert artifact["size"] == len(content)
    assert artifact["sha256"] == hashlib.sha256(content).hexdigest()
    assert artifact["content_type"] == "text/csv"
    assert {"id", "created_at"} <= set(artifact)
    assert client.get(f"{ARTIFACTS}/{artifact['id']}", headers=auth).json() == artifact
    download = client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=auth)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith('attachment; filename="usage.csv"')


def test_delete_removes_the_artifact_and_its_chunks(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    artifact = upload(client, auth)
    assert client.delete(f"{ARTIFACTS}/{artifact['id']}", headers=auth).status_code == 204
    gone = client.get(f"{ARTIFACTS}/{artifact['id']}", headers=auth)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    assert client.delete(f"{ARTIFACTS}/{artifact['id']}", headers=auth).status_code == 404
    assert _stored(sessions) == (0, 0)


def test_an_unknown_artifact_is_a_404_everywhere(client: TestClient, auth: dict[str, str]) -> None:
    unknown = uuid.uuid4()
    for response in (
        client.get(f"{ARTIFACTS}/{unknown}", headers=auth),
        client.get(f"{ARTIFACTS}/{unknown}/content", headers=auth),
        client.delete(f"{ARTIFACTS}/{unknown}", headers=auth),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_another_tenant_sees_nothing_and_deletes_nothing(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    artifact = upload(client, auth)
    other = make_auth(sessions, tenant="globex")
    for response in (
        client.get(f"{ARTIFACTS}/{artifact['id']}", headers=other),
        client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=other),
        client.delete(f"{ARTIFACTS}/{artifact['id']}", headers=other),
    ):
        assert response.status_code == 404
    assert client.get(f"{ARTIFACTS}/{artifact['id']}", headers=auth).status_code == 200


def test_a_read_only_key_reads_but_cannot_upload_or_delete(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    artifact = upload(client, auth)
    reader = make_auth(sessions, scopes=[Scope.JOBS_READ])
    assert client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=reader).status_code == 200
    refused = client.post(ARTIFACTS, files={"file": ("a", b"a")}, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert client.delete(f"{ARTIFACTS}/{artifact['id']}", headers=reader).status_code == 403
    assert client.post(ARTIFACTS, files={"file": ("a", b"a")}).status_code == 401


def test_an_upload_over_the_limit_with_a_content_length_is_a_413_and_stores_nothing(
    small_client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    body = b"".join(form([b"x" * (SMALL_LIMIT + 1)]))
    response = small_client.post(
        ARTIFACTS, content=body, headers={**auth, "Content-Type": CONTENT_TYPE}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert _stored(sessions) == (0, 0)


def test_a_chunked_upload_over_the_limit_is_a_413_and_stores_nothing(
    small_client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    # a generator body goes without Content-Length: the limit holds as the bytes arrive
    pieces = (b"x" * 4096 for _ in range(SMALL_LIMIT // 4096 + 1))
    response = small_client.post(
        ARTIFACTS, content=form(pieces), headers={**auth, "Content-Type": CONTENT_TYPE}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert _stored(sessions) == (0, 0)


def test_a_file_of_exactly_the_limit_is_accepted(
    small_client: TestClient, auth: dict[str, str]
) -> None:
    assert upload(small_client, auth, b"y" * SMALL_LIMIT)["size"] == SMALL_LIMIT


def test_the_json_body_limit_does_not_apply_to_uploads(
    client: TestClient, auth: dict[str, str]
) -> None:
    content = b"z" * (3 * 1024 * 1024)  # three times CONVEYOR_MAX_REQUEST_BYTES
    artifact = upload(client, auth, content)
    assert artifact["size"] == len(content)
    download = client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=auth)
    assert hashlib.sha256(download.content).hexdigest() == artifact["sha256"]


def test_a_form_without_a_file_part_is_a_422(client: TestClient, auth: dict[str, str]) -> None:
    body = b"".join(form([b"abc"], field="attachment"))
    response = client.post(ARTIFACTS, content=body, headers={**auth, "Content-Type": CONTENT_TYPE})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", "file"]


def test_a_body_that_is_not_multipart_is_a_400(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(ARTIFACTS, json={"file": "abc"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_upload"
    truncated = b"".join(form([b"abc"]))[:-20]
    response = client.post(
        ARTIFACTS, content=truncated, headers={**auth, "Content-Type": CONTENT_TYPE}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_upload"


def test_a_bad_content_type_is_a_422_and_stores_nothing(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    response = client.post(
        ARTIFACTS, files={"file": ("a.bin", b"abc", "not a media type")}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_artifact"
    assert _stored(sessions) == (0, 0)


def test_a_unicode_name_is_kept_and_sent_back_encoded(
    client: TestClient, auth: dict[str, str]
) -> None:
    artifact = upload(client, auth, name="résumé 2026.txt")
    assert artifact["name"] == "résumé 2026.txt"
    disposition = client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=auth).headers[
        "content-disposition"
    ]
    assert 'filename="r_sum_ 2026.txt"' in disposition
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%202026.txt" in disposition


def test_quotes_in_a_name_cannot_break_the_disposition_header(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post(
        ARTIFACTS, params={"name": 'a "b"\\.txt'}, files={"file": ("x", b"x")}, headers=auth
    ).json()
    disposition = client.get(f"{ARTIFACTS}/{created['id']}/content", headers=auth).headers[
        "content-disposition"
    ]
    assert disposition.startswith('attachment; filename="a _b__.txt";')


def test_the_name_query_overrides_the_file_name(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        f"{ARTIFACTS}?name=report.pdf", files={"file": ("tmp123", b"%PDF")}, headers=auth
    )
    assert response.json()["name"] == "report.pdf"


def test_an_expired_artifact_is_gone(client: TestClient, auth: dict[str, str]) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    kept = client.post(
        ARTIFACTS,
        params={"expires_at": later.isoformat()},
        files={"file": ("a", b"a")},
        headers=auth,
    ).json()
    assert datetime.fromisoformat(kept["expires_at"]) == later
    assert client.get(f"{ARTIFACTS}/{kept['id']}", headers=auth).status_code == 200
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = client.post(
        ARTIFACTS,
        params={"expires_at": past.isoformat()},
        files={"file": ("b", b"b")},
        headers=auth,
    ).json()
    assert client.get(f"{ARTIFACTS}/{expired['id']}", headers=auth).status_code == 404
    assert client.get(f"{ARTIFACTS}/{expired['id']}/content", headers=auth).status_code == 404
