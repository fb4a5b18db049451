"""What a task writes through the artifact service belongs to its job and is listed with it."""

from __future__ import annotations

import hashlib
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.artifacts.service import open_artifact, write_artifact
from conveyor_core.db.engine import transaction
from conveyor_core.jobs.states import Status
from conveyor_core.models import Job
from conveyor_core.settings import Settings
from tests.factories import submit
from tests.paths import ARTIFACTS
from tests.paths import job as job_path


def _job(client: TestClient, auth: dict[str, str]) -> Job:
    return Job(id=uuid.UUID(submit(client, "diag.echo", auth=auth, message="hi")["id"]))


def test_an_artifact_a_task_writes_is_listed_with_its_job(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session], settings: Settings
) -> None:
    job = _job(client, auth)
    with transaction(sessions) as session:
        tenant_id = session.get_one(Job, job.id).tenant_id
        written = write_artifact(
            session,
            ArtifactStore.from_settings(settings),
            tenant_id,
            "report.json",
            iter([b'{"rows": ', b"3}"]),
            "application/json",
            job_id=job.id,
        )
    detail = client.get(job_path(job.id), headers=auth).json()
    assert [a["id"] for a in detail["artifacts"]] == [str(written.id)]
    assert detail["artifacts"][0]["job_id"] == str(job.id)
    assert detail["artifacts"][0]["sha256"] == hashlib.sha256(b'{"rows": 3}').hexdigest()
    content = client.get(f"{ARTIFACTS}/{written.id}/content", headers=auth)
    assert content.content == b'{"rows": 3}'


def test_a_job_without_artifacts_lists_none_and_uploads_are_not_a_jobs(
    client: TestClient, auth: dict[str, str]
) -> None:
    job = _job(client, auth)
    uploaded = client.post(ARTIFACTS, files={"file": ("a", b"a")}, headers=auth).json()
    assert uploaded["job_id"] is None
    assert client.get(job_path(job.id), headers=auth).json()["artifacts"] == []


def test_open_artifact_streams_what_write_artifact_stored(
    sessions: sessionmaker[Session], settings: Settings, tenant_id: uuid.UUID
) -> None:
    store = ArtifactStore.from_settings(settings)
    pieces = [bytes([n]) * 300_000 for n in range(10)]  # 3 MB in pieces of another size
    with transaction(sessions) as session:
        artifact = write_artifact(session, store, tenant_id, "blob", iter(pieces))
    with sessions() as session:
        opened = open_artifact(session, store, tenant_id, artifact.id)
        chunks = list(opened.content)
    assert b"".join(chunks) == b"".join(pieces)
    assert [len(c) for c in chunks] == [1024 * 1024] * 2 + [3_000_000 - 2 * 1024 * 1024]
    assert opened.artifact.content_type == "application/octet-stream"


def test_deleting_a_finished_job_deletes_its_artifacts(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session], settings: Settings
) -> None:
    job = _job(client, auth)
    with transaction(sessions) as session:
        row = session.get_one(Job, job.id)
        row.status = Status.SUCCEEDED  # as its worker would have finished it
        written = write_artifact(
            session,
            ArtifactStore.from_settings(settings),
            row.tenant_id,
            "out",
            iter([b"x"]),
            job_id=job.id,
        )
    assert client.delete(job_path(job.id), headers=auth).status_code == 204
    assert client.get(f"{ARTIFACTS}/{written.id}", headers=auth).status_code == 404
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM artifact_chunks")) == 0
