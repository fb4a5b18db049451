"""Uploads and downloads stream: the api writes a file's first chunks to PostgreSQL while the
client is still sending the rest, and keeps it as 1 MiB rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests import waiting
from tests.artifacts.multipart import CONTENT_TYPE, form, megabytes
from tests.factories import make_auth
from tests.paths import ARTIFACTS

FILE_MIB = 20
SENT_BEFORE_CHECK_MIB = 6


def _api_writing_chunks(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        found = session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'conveyor.api'"
                " AND state = 'idle in transaction' AND query LIKE 'INSERT INTO artifact_chunks%'"
            )
        )
    return bool(found)


def test_a_20_mib_upload_is_stored_while_it_arrives_and_downloads_whole(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    headers = {**make_auth(sessions), "Content-Type": CONTENT_TYPE}
    digest = hashlib.sha256()
    seen_while_sending: list[bool] = []

    def pieces() -> Iterator[bytes]:
        for sent, piece in enumerate(megabytes(FILE_MIB, piece=1024 * 1024)):
            if sent == SENT_BEFORE_CHECK_MIB:
                # the rest of the file is not sent yet: the api cannot be holding it whole
                waiting.until(lambda: _api_writing_chunks(sessions), what="chunk inserts")
                seen_while_sending.append(True)
            digest.update(piece)
            yield piece

    with httpx.Client(base_url=api_server, timeout=120) as http:
        created = http.post(ARTIFACTS, content=form(pieces()), headers=headers)
        assert created.status_code == 201, created.text
        artifact = created.json()
        assert seen_while_sending == [True]
        assert artifact["size"] == FILE_MIB * 1024 * 1024
        assert artifact["sha256"] == digest.hexdigest()
        with sessions() as session:
            sizes = session.scalars(
                text("SELECT length(data) FROM artifact_chunks WHERE artifact_id = :id"),
                {"id": artifact["id"]},
            ).all()
        assert sizes == [1024 * 1024] * FILE_MIB
        downloaded = hashlib.sha256()
        with http.stream("GET", f"{ARTIFACTS}/{artifact['id']}/content", headers=headers) as body:
            assert body.headers["content-length"] == str(FILE_MIB * 1024 * 1024)
            for chunk in body.iter_raw():
                downloaded.update(chunk)
        assert downloaded.hexdigest() == artifact["sha256"]


def test_a_real_api_process_answers_413_to_a_chunked_upload_over_the_limit(
    small_api_server: str, sessions: sessionmaker[Session]
) -> None:
    headers = {**make_auth(sessions), "Content-Type": CONTENT_TYPE}
    with httpx.Client(base_url=small_api_server, timeout=60) as http:
        refused = http.post(ARTIFACTS, content=form(megabytes(1)), headers=headers)
        assert refused.status_code == 413
        assert refused.json()["error"]["code"] == "payload_too_large"
        declared = http.post(ARTIFACTS, content=b"".join(form(megabytes(1))), headers=headers)
        assert declared.status_code == 413
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM artifacts")) == 0
