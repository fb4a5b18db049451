"""The S3 backend against a real local S3-compatible server (moto's server mode)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.artifacts.s3_storage import PART_BYTES
from conveyor_core.settings import Settings
from tests.artifacts.multipart import CONTENT_TYPE, form, megabytes
from tests.artifacts.uploads import S3_CREDENTIALS, SMALL_LIMIT
from tests.inprocess import app_client
from tests.paths import ARTIFACTS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "tenants-files"


@dataclass(frozen=True)
class Bucket:
    client: S3Client
    name: str

    def keys(self) -> list[str]:
        return [
            item["Key"]
            for item in self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        ]


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A fresh bucket; the credentials reach boto3 through the environment, as in a pod."""
    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    name = f"conveyor-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(client, name)


def _s3_settings(settings: Settings, endpoint: str, bucket: Bucket, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "artifacts_url": f"s3://{bucket.name}/{PREFIX}",
            "s3_endpoint_url": endpoint,
            **extra,
        }
    )


@pytest.fixture
def s3_client(
    settings: Settings, sessions: sessionmaker[Session], s3_endpoint: str, bucket: Bucket
) -> Iterator[TestClient]:
    with app_client(_s3_settings(settings, s3_endpoint, bucket), sessions) as client:
        yield client


def test_a_small_file_is_one_object_under_the_prefix(
    s3_client: TestClient,
    auth: dict[str, str],
    bucket: Bucket,
    sessions: sessionmaker[Session],
) -> None:
    created = s3_client.post(
        ARTIFACTS, files={"file": ("notes.txt", b"hello s3", "text/plain")}, headers=auth
    ).json()
    [key] = bucket.keys()
    prefix, tenant, artifact_id = key.split("/")
    assert (prefix, artifact_id) == (PREFIX, created["id"])
    uuid.UUID(tenant)
    assert bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read() == b"hello s3"
    with sessions() as session:
        chunks = session.scalar(text("SELECT count(*) FROM artifact_chunks"))
    assert chunks == 0
    download = s3_client.get(f"{ARTIFACTS}/{created['id']}/content", headers=auth)
    assert download.content == b"hello s3"
    assert download.headers["content-type"].startswith("text/plain")


def test_a_large_file_goes_up_in_parts_and_comes_back_whole(
    s3_client: TestClient, auth: dict[str, str], bucket: Bucket
) -> None:
    mib = 2 * PART_BYTES // (1024 * 1024) + 3  # two full parts and a short last one
    digest = hashlib.sha256()
    for piece in megabytes(mib):
        digest.update(piece)
    created = s3_client.post(
        ARTIFACTS, content=form(megabytes(mib)), headers={**auth, "Content-Type": CONTENT_TYPE}
    )
    assert created.status_code == 201, created.text
    artifact = created.json()
    assert artifact["sha256"] == digest.hexdigest()
    [key] = bucket.keys()
    head = bucket.client.head_object(Bucket=bucket.name, Key=key)
    assert head["ContentLength"] == mib * 1024 * 1024
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object's ETag counts its parts
    download = s3_client.get(f"{ARTIFACTS}/{artifact['id']}/content", headers=auth)
    assert hashlib.sha256(download.content).hexdigest() == artifact["sha256"]


def test_delete_removes_the_object(
    s3_client: TestClient, auth: dict[str, str], bucket: Bucket
) -> None:
    created = s3_client.post(ARTIFACTS, files={"file": ("a", b"a")}, headers=auth).json()
    assert bucket.keys()
    assert s3_client.delete(f"{ARTIFACTS}/{created['id']}", headers=auth).status_code == 204
    assert bucket.keys() == []
    assert s3_client.get(f"{ARTIFACTS}/{created['id']}", headers=auth).status_code == 404


def test_an_upload_over_the_limit_leaves_no_object_and_no_open_upload(
    settings: Settings,
    s3_endpoint: str,
    bucket: Bucket,
    auth: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    limit = PART_BYTES + SMALL_LIMIT  # past one uploaded part, so a multipart upload is open
    limited = _s3_settings(settings, s3_endpoint, bucket, max_upload_bytes=limit)
    with app_client(limited, sessions) as client:
        response = client.post(
            ARTIFACTS,
            content=form(megabytes(PART_BYTES // (1024 * 1024) + 2)),
            headers={**auth, "Content-Type": CONTENT_TYPE},
        )
    assert response.status_code == 413
    assert bucket.keys() == []
    assert bucket.client.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []) == []
    with sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM artifacts")) == 0


def test_artifacts_stored_in_postgresql_stay_readable_after_moving_to_s3(
    client: TestClient, s3_client: TestClient, auth: dict[str, str]
) -> None:
    before = client.post(ARTIFACTS, files={"file": ("old", b"kept in postgres")}, headers=auth)
    download = s3_client.get(f"{ARTIFACTS}/{before.json()['id']}/content", headers=auth)
    assert download.content == b"kept in postgres"
